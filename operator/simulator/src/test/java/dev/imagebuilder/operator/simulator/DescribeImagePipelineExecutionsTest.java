package dev.imagebuilder.operator.simulator;

import static dev.imagebuilder.operator.simulator.EcsClients.REGION;
import static dev.imagebuilder.operator.simulator.EcsClients.describe;
import static dev.imagebuilder.operator.simulator.EcsClients.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.aliyun.ecs20140526.Client;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsRequest;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsResponseBody;
import com.aliyun.ecs20140526.models.DescribeImagePipelineExecutionsResponseBody.DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet;
import com.aliyun.tea.TeaException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API contract of DescribeImagePipelineExecutions, driven through the real SDK over HTTP. */
class DescribeImagePipelineExecutionsTest {
    private static final String PIPELINE = "ip-2ze5tsl5bp6nf2b3abcd";

    private EcsSimulator sim;
    private Client ecs;

    @BeforeEach
    void start() throws Exception {
        sim = EcsSimulator.start().credentials(EcsClients.AK, EcsClients.SECRET).addPipeline(REGION, PIPELINE);
        ecs = EcsClients.client(sim);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private static List<String> ids(DescribeImagePipelineExecutionsResponseBody body) {
        return body.getImagePipelineExecution().getImagePipelineExecutionSet().stream()
                .map(DescribeImagePipelineExecutionsResponseBodyImagePipelineExecutionImagePipelineExecutionSet::getExecutionId)
                .toList();
    }

    private TeaException rejected(DescribeImagePipelineExecutionsRequest request) {
        return catchThrowableOfType(TeaException.class, () -> describe(ecs, request));
    }

    @Test
    void pagesThroughAllExecutionsNewestFirstWith500PerPage() throws Exception {
        List<String> added = sim.addExecutions(REGION, PIPELINE, 1234, "SUCCESS");

        List<String> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String token = null;
        do {
            DescribeImagePipelineExecutionsResponseBody body =
                    describe(ecs, request(PIPELINE).setMaxResults(500).setNextToken(token));
            assertThat(body.getTotalCount()).isEqualTo(1234);
            assertThat(body.getMaxResults()).isEqualTo(500);
            pageSizes.add(ids(body).size());
            seen.addAll(ids(body));
            token = body.getNextToken();
        } while (token != null && !token.isEmpty());

        List<String> newestFirst = new ArrayList<>(added);
        Collections.reverse(newestFirst);
        assertThat(seen).isEqualTo(newestFirst);
        assertThat(pageSizes).containsExactly(500, 500, 234);
        assertThat(sim.callCount(EcsSimulator.DESCRIBE_IMAGE_PIPELINE_EXECUTIONS)).isEqualTo(3);
    }

    @Test
    void answersFiftyPerPageByDefaultAndAnEmptyNextTokenOnTheLastPage() throws Exception {
        sim.addExecutions(REGION, PIPELINE, 60, "BUILDING");

        DescribeImagePipelineExecutionsResponseBody first = describe(ecs, request(PIPELINE));
        assertThat(ids(first)).hasSize(50);
        assertThat(first.getMaxResults()).isEqualTo(50);
        assertThat(first.getNextToken()).isNotEmpty();

        DescribeImagePipelineExecutionsResponseBody last = describe(ecs, request(PIPELINE).setNextToken(first.getNextToken()));
        assertThat(ids(last)).hasSize(10).doesNotContainAnyElementsOf(ids(first));
        assertThat(last.getNextToken()).isEmpty();
    }

    @Test
    void newExecutionsCreatedWhilePagingDoNotShiftLaterPages() throws Exception {
        List<String> added = sim.addExecutions(REGION, PIPELINE, 4, "SUCCESS");
        DescribeImagePipelineExecutionsResponseBody first = describe(ecs, request(PIPELINE).setMaxResults(2));
        sim.addExecution(REGION, PIPELINE, "PREPARING");

        DescribeImagePipelineExecutionsResponseBody second =
                describe(ecs, request(PIPELINE).setMaxResults(2).setNextToken(first.getNextToken()));

        assertThat(ids(first)).containsExactly(added.get(3), added.get(2));
        assertThat(ids(second)).containsExactly(added.get(1), added.get(0));
    }

    @Test
    void returnsEveryFieldOfAnExecutionInEcsFormat() throws Exception {
        String id = sim.addExecution(REGION, PIPELINE, "BUILDING");
        sim.setStatus(id, "SUCCESS", "m-bp67acfmxazb4p0001", "Image created.");

        var execution = describe(ecs, request(PIPELINE)).getImagePipelineExecution().getImagePipelineExecutionSet().get(0);

        assertThat(execution.getExecutionId()).matches("exec-[0-9a-f]{20}").isEqualTo(id);
        assertThat(execution.getImagePipelineId()).isEqualTo(PIPELINE);
        assertThat(execution.getStatus()).isEqualTo("SUCCESS");
        assertThat(execution.getImageId()).isEqualTo("m-bp67acfmxazb4p0001");
        assertThat(execution.getMessage()).isEqualTo("Image created.");
        assertThat(execution.getResourceGroupId()).startsWith("rg-");
        assertThat(execution.getCreationTime()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(execution.getModifiedTime()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ")
                .isGreaterThan(execution.getCreationTime());
        assertThat(execution.getTags().getTag()).isEmpty();
    }

    @Test
    void requestIdsAreFreshUpperCaseUuids() throws Exception {
        String first = describe(ecs, request(PIPELINE)).getRequestId();
        String second = describe(ecs, request(PIPELINE)).getRequestId();

        assertThat(first).matches("[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}").isNotEqualTo(second);
    }

    @Test
    void filtersBySingleStatusAndByCommaSeparatedStatuses() throws Exception {
        List<String> building = sim.addExecutions(REGION, PIPELINE, 2, "BUILDING");
        List<String> failed = sim.addExecutions(REGION, PIPELINE, 3, "FAILED");
        sim.addExecutions(REGION, PIPELINE, 4, "SUCCESS");

        DescribeImagePipelineExecutionsResponseBody onlyFailed = describe(ecs, request(PIPELINE).setStatus("FAILED"));
        assertThat(ids(onlyFailed)).containsExactlyInAnyOrderElementsOf(failed);
        assertThat(onlyFailed.getTotalCount()).isEqualTo(3);

        List<String> both = new ArrayList<>(building);
        both.addAll(failed);
        assertThat(ids(describe(ecs, request(PIPELINE).setStatus("BUILDING,FAILED")))).containsExactlyInAnyOrderElementsOf(both);
    }

    @Test
    void rejectsAnUnknownStatus() {
        TeaException e = rejected(request(PIPELINE).setStatus("BUILDING,DONE"));

        assertThat(e.getCode()).isEqualTo("InvalidParameter.Status");
        assertThat(e.getStatusCode()).isEqualTo(400);
        assertThat(e.getMessage()).contains("DONE");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 501, -1})
    void rejectsMaxResultsOutsideOneTo500(int maxResults) {
        TeaException e = rejected(request(PIPELINE).setMaxResults(maxResults));

        assertThat(e.getCode()).isEqualTo("InvalidParameter.MaxResults");
        assertThat(e.getStatusCode()).isEqualTo(400);
    }

    @Test
    void acceptsMaxResultsAtBothBounds() throws Exception {
        sim.addExecutions(REGION, PIPELINE, 3, "SUCCESS");

        assertThat(ids(describe(ecs, request(PIPELINE).setMaxResults(1)))).hasSize(1);
        assertThat(ids(describe(ecs, request(PIPELINE).setMaxResults(500)))).hasSize(3);
    }

    @Test
    void needsAPipelineOrAnExecutionId() {
        TeaException e = rejected(new DescribeImagePipelineExecutionsRequest().setRegionId(REGION));

        assertThat(e.getCode()).isEqualTo("MissingParameter.ImagePipelineId");
        assertThat(e.getStatusCode()).isEqualTo(400);
    }

    @Test
    void answers404ForAnUnknownPipelineOrOneInAnotherRegion() {
        TeaException unknown = rejected(request("ip-doesnotexist000001"));
        TeaException elsewhere = rejected(request(PIPELINE).setRegionId("cn-shanghai"));

        for (TeaException e : List.of(unknown, elsewhere)) {
            assertThat(e.getCode()).isEqualTo("InvalidImagePipeline.NotFound");
            assertThat(e.getStatusCode()).isEqualTo(404);
        }
    }

    @Test
    void deletingAPipelineRemovesItsExecutionsAndLaterCallsAnswer404() throws Exception {
        String id = sim.addExecution(REGION, PIPELINE, "SUCCESS");
        sim.deletePipeline(REGION, PIPELINE);

        assertThat(rejected(request(PIPELINE)).getStatusCode()).isEqualTo(404);
        assertThat(ids(describe(ecs, new DescribeImagePipelineExecutionsRequest().setRegionId(REGION).setExecutionId(id))))
                .isEmpty();
        assertThat(sim.findExecution(id)).isEmpty();
    }

    @Test
    void looksUpOneExecutionByIdWithOrWithoutItsPipeline() throws Exception {
        sim.addPipeline(REGION, "ip-other000000000001");
        List<String> added = sim.addExecutions(REGION, PIPELINE, 3, "SUCCESS");
        String other = sim.addExecution(REGION, "ip-other000000000001", "FAILED");
        String wanted = added.get(1);

        assertThat(ids(describe(ecs, new DescribeImagePipelineExecutionsRequest().setRegionId(REGION).setExecutionId(wanted))))
                .containsExactly(wanted);
        assertThat(ids(describe(ecs, request(PIPELINE).setExecutionId(wanted)))).containsExactly(wanted);
        // An execution of another pipeline is not found within this one.
        DescribeImagePipelineExecutionsResponseBody mismatch = describe(ecs, request(PIPELINE).setExecutionId(other));
        assertThat(ids(mismatch)).isEmpty();
        assertThat(mismatch.getTotalCount()).isZero();
    }

    @Test
    void rejectsAForgedNextToken() throws Exception {
        sim.addExecutions(REGION, PIPELINE, 3, "SUCCESS");
        String token = describe(ecs, request(PIPELINE).setMaxResults(1)).getNextToken();
        String forged = (token.charAt(0) == 'A' ? 'B' : 'A') + token.substring(1);

        for (String bad : List.of(forged, "AAAAAdDWBF2", "not a token at all")) {
            TeaException e = rejected(request(PIPELINE).setMaxResults(1).setNextToken(bad));
            assertThat(e.getCode()).isEqualTo("Invalid.NextToken");
            assertThat(e.getStatusCode()).isEqualTo(403);
        }
    }

    @Test
    void rejectsANextTokenOfAnotherQueryOrAnotherSimulator() throws Exception {
        sim.addExecutions(REGION, PIPELINE, 3, "SUCCESS");
        String token = describe(ecs, request(PIPELINE).setMaxResults(1)).getNextToken();

        assertThat(rejected(request(PIPELINE).setStatus("SUCCESS").setNextToken(token)).getCode())
                .isEqualTo("Invalid.NextToken");

        try (EcsSimulator restarted = EcsSimulator.start()) {
            restarted.credentials(EcsClients.AK, EcsClients.SECRET).addPipeline(REGION, PIPELINE);
            restarted.addExecutions(REGION, PIPELINE, 3, "SUCCESS");
            TeaException stale = catchThrowableOfType(TeaException.class,
                    () -> describe(EcsClients.client(restarted), request(PIPELINE).setMaxResults(1).setNextToken(token)));
            assertThat(stale.getCode()).isEqualTo("Invalid.NextToken");
            assertThat(stale.getStatusCode()).isEqualTo(403);
        }
    }

    @Test
    void aStatusChangeBumpsModifiedTime() throws Exception {
        String id = sim.addExecution(REGION, PIPELINE, "PREPARING");
        EcsSimulator.Execution before = sim.findExecution(id).orElseThrow();
        sim.setStatus(id, "BUILDING");
        sim.setStatus(id, "TESTING", "m-abc", "Testing.");

        EcsSimulator.Execution after = sim.findExecution(id).orElseThrow();
        assertThat(after.modifiedTime()).isAfterOrEqualTo(before.modifiedTime().plusSeconds(2));
        assertThat(after.status()).isEqualTo("TESTING");
        assertThat(after.creationTime()).isEqualTo(before.creationTime());
    }
}
