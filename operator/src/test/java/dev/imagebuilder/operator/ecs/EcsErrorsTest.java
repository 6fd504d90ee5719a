package dev.imagebuilder.operator.ecs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.imagebuilder.operator.ecs.EcsException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcsErrorsTest {

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "400, Throttling, THROTTLED",
    "400, Throttling.User, THROTTLED",
    "400, Throttling.Api, THROTTLED",
    "400, Rejected.Throttling, THROTTLED",
    "429, TooManyRequests, THROTTLED",
    "503, ServiceUnavailable, UNAVAILABLE",
    "500, InternalError, UNAVAILABLE",
    "403, Invalid.NextToken, UNAVAILABLE",
    "404, InvalidImagePipeline.NotFound, PIPELINE_NOT_FOUND",
    "404, InvalidAccessKeyId.NotFound, ACCESS_DENIED",
    "400, SignatureDoesNotMatch, ACCESS_DENIED",
    "403, Forbidden.RAM, ACCESS_DENIED",
    "403, InvalidSecurityToken.Expired, ACCESS_DENIED",
    "400, InvalidParameter.Status, INVALID_REQUEST",
    "400, MissingParameter.ImagePipelineId, INVALID_REQUEST",
  })
  void classifiesEcsErrorCodes(int status, String code, Kind kind) {
    assertThat(EcsErrors.classify(status, code)).isEqualTo(kind);
  }

  @Test
  void onlyThrottlingAndUnavailabilityAreWorthRetryingSoon() {
    assertThat(Kind.THROTTLED.isTransient()).isTrue();
    assertThat(Kind.UNAVAILABLE.isTransient()).isTrue();
    assertThat(Kind.PIPELINE_NOT_FOUND.isTransient()).isFalse();
    assertThat(Kind.ACCESS_DENIED.isTransient()).isFalse();
    assertThat(Kind.INVALID_REQUEST.isTransient()).isFalse();
  }

  @Test
  void messagesAreBoundedAndCutBeforeAnEchoedRequest() {
    String echoed = "Specified signature is not matched. server string to sign is:POST&%2F&SecurityToken%3Dsecret";
    assertThat(EcsErrors.sanitize(echoed)).isEqualTo("Specified signature is not matched. server").doesNotContain("secret");
    assertThat(EcsErrors.sanitize("x".repeat(1000))).hasSize(EcsErrors.MAX_MESSAGE + 1);
  }
}
