package dev.imagebuilder.operator.simulator;

import static dev.imagebuilder.operator.simulator.EcsClients.AK;
import static dev.imagebuilder.operator.simulator.EcsClients.REGION;
import static dev.imagebuilder.operator.simulator.EcsClients.SECRET;
import static dev.imagebuilder.operator.simulator.EcsClients.describe;
import static dev.imagebuilder.operator.simulator.EcsClients.request;
import static dev.imagebuilder.operator.simulator.EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.aliyun.ecs20140526.Client;
import com.aliyun.tea.TeaException;
import com.aliyun.tea.TeaRetryableException;
import com.aliyun.tea.TeaUnretryableException;
import com.aliyun.teautil.models.RuntimeOptions;
import com.aliyun.teautil.models.TeaUtilException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Injected faults, and the exceptions the real SDK turns them into (measured, not assumed). */
class FaultInjectionTest {
    private static final String PIPELINE = "ip-faults000000000001";

    private EcsSimulator sim;
    private Client ecs;

    @BeforeEach
    void start() throws Exception {
        sim = EcsSimulator.start().credentials(AK, SECRET).addPipeline(REGION, PIPELINE);
        sim.addExecutions(REGION, PIPELINE, 5, "SUCCESS");
        ecs = EcsClients.client(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private TeaException teaException() {
        return catchThrowableOfType(TeaException.class, () -> describe(ecs, request(PIPELINE)));
    }

    @ParameterizedTest
    @CsvSource({"Throttling, 400", "Throttling.User, 400", "Throttling.Api, 400", "Rejected.Throttling, 400",
            "Throttling.User, 429"})
    void throttlingSurfacesAsTeaExceptionWithItsCodeUntilTheFaultsAreUsedUp(String code, int httpStatus) throws Exception {
        sim.failNext(3, Fault.throttling(code, httpStatus));

        for (int i = 0; i < 3; i++) {
            TeaException e = teaException();
            assertThat(e.getCode()).isEqualTo(code);
            assertThat(e.getStatusCode()).isEqualTo(httpStatus);
        }
        assertThat(describe(ecs, request(PIPELINE)).getTotalCount()).isEqualTo(5);
        assertThat(sim.callCount(DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(4);
    }

    @Test
    void throttlingIsAnsweredWith400ByDefaultAsEcsDoes() {
        sim.failNext(1, Fault.throttling("Throttling.User"));

        TeaException e = teaException();
        assertThat(e.getStatusCode()).isEqualTo(400);
        assertThat(e.getMessage()).contains("Request was denied due to user flow control.");
    }

    @Test
    void serverErrorsAndAccessErrorsSurfaceAsTeaException() throws Exception {
        sim.failNext(1, Fault.serviceUnavailable());
        sim.failNext(1, Fault.internalError());
        sim.failNext(1, Fault.forbiddenRam());

        TeaException unavailable = teaException();
        TeaException internal = teaException();
        TeaException forbidden = teaException();

        assertThat(unavailable.getCode()).isEqualTo("ServiceUnavailable");
        assertThat(unavailable.getStatusCode()).isEqualTo(503);
        assertThat(internal.getCode()).isEqualTo("InternalError");
        assertThat(internal.getStatusCode()).isEqualTo(500);
        assertThat(forbidden.getCode()).isEqualTo("Forbidden.RAM");
        assertThat(forbidden.getStatusCode()).isEqualTo(403);
        assertThat(describe(ecs, request(PIPELINE)).getTotalCount()).isEqualTo(5);
    }

    @Test
    void aDelayBeyondTheReadTimeoutSurfacesAsTeaUnretryableExceptionCausedBySocketTimeout() throws Exception {
        Client impatient = new Client(EcsClients.config(sim, AK, SECRET, null).setReadTimeout(300));
        sim.failNext(1, Fault.delay(Duration.ofSeconds(3)));

        Throwable thrown = catchThrowable(() -> describe(impatient, request(PIPELINE)));

        assertThat(thrown).isExactlyInstanceOf(TeaUnretryableException.class);
        // The SDK wraps the network error twice: Unretryable(Retryable(SocketTimeoutException)).
        assertThat(thrown.getCause()).isInstanceOf(TeaRetryableException.class);
        assertThat(thrown.getCause().getCause()).isInstanceOf(SocketTimeoutException.class);
        assertThat(describe(impatient, request(PIPELINE)).getTotalCount()).isEqualTo(5);
    }

    @Test
    void theSdksAutoretryResendsAfterATimeoutButNotAfterThrottling() throws Exception {
        Client impatient = new Client(EcsClients.config(sim, AK, SECRET, null).setReadTimeout(300));
        RuntimeOptions autoretry = new RuntimeOptions().setAutoretry(true).setMaxAttempts(3);

        sim.failNext(1, Fault.delay(Duration.ofSeconds(3)));
        assertThat(impatient.describeImagePipelineExecutionsWithOptions(request(PIPELINE), autoretry).getBody().getTotalCount())
                .isEqualTo(5);
        assertThat(sim.callCount(DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(2);

        sim.resetCallCounts();
        sim.failNext(1, Fault.throttling("Throttling.User"));
        assertThat(catchThrowable(() -> impatient.describeImagePipelineExecutionsWithOptions(request(PIPELINE), autoretry)))
                .isInstanceOf(TeaException.class);
        assertThat(sim.callCount(DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(1);
    }

    @Test
    void aNonJsonErrorPageSurfacesAsTeaUtilException() throws Exception {
        sim.failNext(1, Fault.badGatewayHtml());

        Throwable thrown = catchThrowable(() -> describe(ecs, request(PIPELINE)));

        assertThat(thrown).isExactlyInstanceOf(TeaUtilException.class)
                .hasMessageStartingWith("Error: convert to JSON, response is:")
                .hasMessageContaining("502 Bad Gateway");
        assertThat(describe(ecs, request(PIPELINE)).getTotalCount()).isEqualTo(5);
    }

    @Test
    void aNonJsonSuccessBodySurfacesAsTeaUtilExceptionToo() {
        sim.failNext(1, Fault.nonJson(200, "text/plain", "OK"));

        assertThat(catchThrowable(() -> describe(ecs, request(PIPELINE)))).isExactlyInstanceOf(TeaUtilException.class);
    }

    @Test
    void aNextTokenFaultHitsOnlyLaterPagesSoAClientMustRestartPaging() throws Exception {
        sim.failNext(1, Fault.invalidNextToken());

        var first = describe(ecs, request(PIPELINE).setMaxResults(2));
        TeaException e = catchThrowableOfType(TeaException.class,
                () -> describe(ecs, request(PIPELINE).setMaxResults(2).setNextToken(first.getNextToken())));
        assertThat(e.getCode()).isEqualTo("Invalid.NextToken");
        assertThat(e.getStatusCode()).isEqualTo(403);

        // The same token works once the fault is used up.
        var second = describe(ecs, request(PIPELINE).setMaxResults(2).setNextToken(first.getNextToken()));
        assertThat(second.getImagePipelineExecution().getImagePipelineExecutionSet()).hasSize(2);
    }

    @Test
    void faultsQueueUpInOrderAndCanBeLimitedToOneAction() throws Exception {
        sim.failNext(1, Fault.internalError().onlyForAction("DescribeInstances"));
        sim.failNext(1, Fault.serviceUnavailable());
        sim.failNext(1, Fault.forbiddenRam());

        assertThat(teaException().getCode()).isEqualTo("ServiceUnavailable");
        assertThat(teaException().getCode()).isEqualTo("Forbidden.RAM");
        assertThat(describe(ecs, request(PIPELINE)).getTotalCount()).isEqualTo(5);

        sim.clearFaults();
        assertThat(describe(ecs, request(PIPELINE)).getTotalCount()).isEqualTo(5);
    }

    @Test
    void aCallThatFailsAuthenticationDoesNotUseUpAFault() throws Exception {
        sim.failNext(1, Fault.serviceUnavailable());

        TeaException badSignature = catchThrowableOfType(TeaException.class,
                () -> describe(EcsClients.client(sim, AK, "wrong"), request(PIPELINE)));

        assertThat(badSignature.getCode()).isEqualTo("SignatureDoesNotMatch");
        assertThat(teaException().getCode()).isEqualTo("ServiceUnavailable");
    }

    @Test
    void countsCallsPerActionAndInTotalUntilReset() throws Exception {
        describe(ecs, request(PIPELINE));
        sim.failNext(1, Fault.throttling("Throttling"));
        teaException();

        assertThat(sim.callCount(DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(2);
        assertThat(sim.callCount("DescribeInstances")).isZero();
        assertThat(sim.totalCalls()).isEqualTo(2);

        sim.resetCallCounts();
        assertThat(sim.callCount(DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isZero();
        assertThat(sim.totalCalls()).isZero();
    }
}
