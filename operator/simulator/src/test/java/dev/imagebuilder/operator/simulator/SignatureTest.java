package dev.imagebuilder.operator.simulator;

import static dev.imagebuilder.operator.simulator.EcsClients.AK;
import static dev.imagebuilder.operator.simulator.EcsClients.REGION;
import static dev.imagebuilder.operator.simulator.EcsClients.SECRET;
import static dev.imagebuilder.operator.simulator.EcsClients.describe;
import static dev.imagebuilder.operator.simulator.EcsClients.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.aliyun.ecs20140526.Client;
import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teaopenapi.models.OpenApiRequest;
import com.aliyun.teaopenapi.models.Params;
import com.aliyun.teautil.models.RuntimeOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Both signature styles, checked through clients that really send them. */
class SignatureTest {
    private static final String PIPELINE = "ip-signature0000000001";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private EcsSimulator sim;

    @BeforeEach
    void start() {
        sim = EcsSimulator.start().credentials(AK, SECRET).addPipeline(REGION, PIPELINE);
        sim.addExecutions(REGION, PIPELINE, 3, "SUCCESS", "m-bp1image00000000001", "Done.");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    /** The SDK's V1 mode: {@code signatureAlgorithm = "v2"} routes calls through tea-openapi's doRPCRequest (HMAC-SHA1). */
    private Client v1Client(String accessKeyId, String secret) throws Exception {
        return new Client(EcsClients.config(sim, accessKeyId, secret, null).setSignatureAlgorithm("v2"));
    }

    /** Calls the API through the SDK's generic callApi, so the HTTP method and body style can be chosen. */
    private Map<String, ?> callApi(Config config, String action, String method, OpenApiRequest request) throws Exception {
        Params params = new Params().setAction(action).setVersion("2014-05-26").setProtocol("HTTP")
                .setPathname("/").setMethod(method).setAuthType("AK").setStyle("RPC")
                .setReqBodyType("formData").setBodyType("json");
        return new com.aliyun.teaopenapi.Client(config).callApi(params, request, new RuntimeOptions());
    }

    private static Map<String, String> describeParams() {
        return Map.of("RegionId", REGION, "ImagePipelineId", PIPELINE, "MaxResults", "2");
    }

    @Test
    void acceptsTheSdksDefaultV3Signature() throws Exception {
        assertThat(describe(EcsClients.client(sim), request(PIPELINE)).getTotalCount()).isEqualTo(3);
        assertThat(sim.lastSignatureStyle()).isEqualTo("V3");
    }

    @Test
    void rejectsAWrongSecretWithoutRevealingAnySecret() {
        TeaException e = catchThrowableOfType(TeaException.class,
                () -> describe(EcsClients.client(sim, AK, "wrong-secret"), request(PIPELINE)));

        assertThat(e.getCode()).isEqualTo("SignatureDoesNotMatch");
        assertThat(e.getStatusCode()).isEqualTo(400);
        assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("wrong-secret");
    }

    @Test
    void rejectsAnUnknownAccessKey() {
        TeaException e = catchThrowableOfType(TeaException.class,
                () -> describe(EcsClients.client(sim, "LTAI5tUnknown", SECRET), request(PIPELINE)));

        assertThat(e.getCode()).isEqualTo("InvalidAccessKeyId.NotFound");
        assertThat(e.getStatusCode()).isEqualTo(404);
    }

    @Test
    void acceptsAnStsKeyWithItsSecurityTokenInBothStyles() throws Exception {
        sim.credentials("STS.NUgYrLnoC37mZZCNnAbez", "sts-secret", "CAIS-token-1");
        Config v3 = EcsClients.config(sim, "STS.NUgYrLnoC37mZZCNnAbez", "sts-secret", "CAIS-token-1");
        Config v1 = EcsClients.config(sim, "STS.NUgYrLnoC37mZZCNnAbez", "sts-secret", "CAIS-token-1").setSignatureAlgorithm("v2");

        assertThat(describe(new Client(v3), request(PIPELINE)).getTotalCount()).isEqualTo(3);
        assertThat(sim.lastSignatureStyle()).isEqualTo("V3");
        assertThat(describe(new Client(v1), request(PIPELINE)).getTotalCount()).isEqualTo(3);
        assertThat(sim.lastSignatureStyle()).isEqualTo("V1");
    }

    @Test
    void rejectsAnStsKeyWithoutOrWithTheWrongSecurityToken() throws Exception {
        sim.credentials("STS.key", "sts-secret", "CAIS-token-1");

        TeaException missing = catchThrowableOfType(TeaException.class,
                () -> describe(EcsClients.client(sim, "STS.key", "sts-secret"), request(PIPELINE)));
        TeaException wrong = catchThrowableOfType(TeaException.class,
                () -> describe(new Client(EcsClients.config(sim, "STS.key", "sts-secret", "CAIS-other")), request(PIPELINE)));
        TeaException unexpected = catchThrowableOfType(TeaException.class,
                () -> describe(new Client(EcsClients.config(sim, AK, SECRET, "CAIS-token-1")), request(PIPELINE)));

        assertThat(missing.getCode()).isEqualTo("MissingSecurityToken");
        assertThat(wrong.getCode()).isEqualTo("InvalidSecurityToken.MismatchWithAccessKey");
        assertThat(unexpected.getCode()).isEqualTo("InvalidSecurityToken.MismatchWithAccessKey");
        assertThat(List.of(missing, wrong, unexpected)).allSatisfy(e -> assertThat(e.getStatusCode()).isEqualTo(400));
        assertThat(wrong.getMessage()).doesNotContain("CAIS-token-1");
    }

    @Test
    void acceptsTheSdksV1SignatureOnAPostWithParametersInTheQuery() throws Exception {
        assertThat(describe(v1Client(AK, SECRET), request(PIPELINE)).getTotalCount()).isEqualTo(3);
        assertThat(sim.lastSignatureStyle()).isEqualTo("V1");
    }

    @Test
    void acceptsTheSdksV1SignatureOnAGetAndOnAFormPost() throws Exception {
        Config config = EcsClients.config(sim, AK, SECRET, null).setSignatureAlgorithm("v2");

        Map<String, ?> get = callApi(config, "DescribeImagePipelineExecutions", "GET",
                new OpenApiRequest().setQuery(describeParams()));
        assertThat(sim.lastSignatureStyle()).isEqualTo("V1");
        Map<String, ?> form = callApi(config, "DescribeImagePipelineExecutions", "POST",
                new OpenApiRequest().setBody(describeParams()));
        assertThat(sim.lastSignatureStyle()).isEqualTo("V1");

        for (Map<String, ?> response : List.of(get, form)) {
            // tea-util parses JSON numbers as Long.
            assertThat(((Number) ((Map<?, ?>) response.get("body")).get("TotalCount")).intValue()).isEqualTo(3);
        }
    }

    @Test
    void rejectsAV1SignatureMadeWithTheWrongSecret() {
        TeaException e = catchThrowableOfType(TeaException.class,
                () -> describe(v1Client(AK, "wrong-secret"), request(PIPELINE)));

        assertThat(e.getCode()).isEqualTo("SignatureDoesNotMatch");
        assertThat(e.getStatusCode()).isEqualTo(400);
        assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain("wrong-secret");
    }

    @Test
    void answersAnUnknownActionWithInvalidActionNotFound() throws Exception {
        TeaException e = catchThrowableOfType(TeaException.class, () -> callApi(EcsClients.config(sim, AK, SECRET, null),
                "DescribeInstances", "POST", new OpenApiRequest().setQuery(Map.of("RegionId", REGION))));

        assertThat(e.getCode()).isEqualTo("InvalidAction.NotFound");
        assertThat(e.getStatusCode()).isEqualTo(404);
        assertThat(sim.callCount("DescribeInstances")).isEqualTo(1);
    }

    @Test
    void acceptsADocumentedV1GetAndAnswersInEcsJsonShape() throws Exception {
        Map<String, String> api = new java.util.HashMap<>(describeParams());
        api.put("Action", "DescribeImagePipelineExecutions");
        api.put("Status", ""); // documented signers sign empty parameters too
        String query = DocumentedV1Signer.form(DocumentedV1Signer.sign("GET", api, AK, SECRET));

        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + sim.endpoint() + "/?" + query))
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertThat(fieldNames(body)).containsExactly("NextToken", "RequestId", "TotalCount", "MaxResults", "ImagePipelineExecution");
        assertThat(body.get("NextToken").asText()).isNotEmpty();
        assertThat(body.get("TotalCount").isInt()).isTrue();
        JsonNode set = body.get("ImagePipelineExecution").get("ImagePipelineExecutionSet");
        assertThat(set).hasSize(2);
        assertThat(fieldNames(set.get(0))).containsExactly("CreationTime", "ImagePipelineId", "Status", "ModifiedTime",
                "ResourceGroupId", "Message", "ImageId", "ExecutionId", "Tags");
        assertThat(set.get(0).get("Tags").get("Tag").isArray()).isTrue();
        assertThat(sim.lastSignatureStyle()).isEqualTo("V1");
    }

    @Test
    void acceptsADocumentedV1FormPost() throws Exception {
        Map<String, String> api = new java.util.HashMap<>(describeParams());
        api.put("Action", "DescribeImagePipelineExecutions");
        String form = DocumentedV1Signer.form(DocumentedV1Signer.sign("POST", api, AK, SECRET));

        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + sim.endpoint() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("TotalCount").asInt()).isEqualTo(3);
    }

    @Test
    void rejectsAV1RequestChangedAfterSigningAndAnswersInEcsErrorShape() throws Exception {
        Map<String, String> api = new java.util.HashMap<>(describeParams());
        api.put("Action", "DescribeImagePipelineExecutions");
        Map<String, String> signed = new java.util.TreeMap<>(DocumentedV1Signer.sign("GET", api, AK, SECRET));
        signed.put("MaxResults", "500");

        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://" + sim.endpoint() + "/?" + DocumentedV1Signer.form(signed))).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(response.body());
        assertThat(fieldNames(body)).containsExactly("Code", "Message", "RequestId");
        assertThat(body.get("Code").asText()).isEqualTo("SignatureDoesNotMatch");
    }

    @Test
    void rejectsAnUnsignedRequest() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + sim.endpoint()
                        + "/?Action=DescribeImagePipelineExecutions&Version=2014-05-26&RegionId=cn-hangzhou&ImagePipelineId=" + PIPELINE))
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("Code").asText()).isEqualTo("IncompleteSignature");
    }

    @Test
    void neverPrintsARegisteredSecret() {
        var credential = new SignatureVerifier.Credential(AK, SECRET, "token");

        assertThat(credential.toString()).contains(AK).doesNotContain(SECRET).doesNotContain("token=");
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
