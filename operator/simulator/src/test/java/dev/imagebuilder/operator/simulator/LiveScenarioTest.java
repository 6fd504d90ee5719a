package dev.imagebuilder.operator.simulator;

import static dev.imagebuilder.operator.simulator.EcsClients.AK;
import static dev.imagebuilder.operator.simulator.EcsClients.REGION;
import static dev.imagebuilder.operator.simulator.EcsClients.SECRET;
import static dev.imagebuilder.operator.simulator.EcsClients.describe;
import static dev.imagebuilder.operator.simulator.EcsClients.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The demo's moving story: executions that start, progress and end like real image builds. */
class LiveScenarioTest {
    private static final String PIPELINE = "ip-live00000000000001";
    private static final Set<String> TERMINAL = Set.of("SUCCESS", "FAILED", "TEST_FAILED", "PARTITION_SUCCESS", "CANCELLED");
    private static final Map<String, Set<String>> NEXT = Map.of(
            "PREPARING", Set.of("REPAIRING", "BUILDING", "CANCELLING"),
            "REPAIRING", Set.of("BUILDING"),
            "BUILDING", Set.of("TESTING", "RELEASING", "CANCELLING"),
            "TESTING", Set.of("DISTRIBUTING", "RELEASING"),
            "DISTRIBUTING", Set.of("RELEASING"),
            "RELEASING", Set.of("SUCCESS", "FAILED", "TEST_FAILED", "PARTITION_SUCCESS"),
            "CANCELLING", Set.of("CANCELLED"));

    private EcsSimulator sim;

    @BeforeEach
    void start() {
        sim = EcsSimulator.start().credentials(AK, SECRET);
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    @Test
    void onAFastClockExecutionsStartAndReachTerminalStatusesVisibleThroughTheSdk() throws Exception {
        try (LiveScenario live = LiveScenario.on(sim).pipeline(REGION, PIPELINE).tick(Duration.ofMillis(5))
                .newExecutionEvery(2).seed(3).start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (terminal(sim.executions(REGION, PIPELINE)) < 10 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        assertThat(terminal(sim.executions(REGION, PIPELINE))).isGreaterThanOrEqualTo(10);
        var body = describe(EcsClients.client(sim), request(PIPELINE).setMaxResults(500));
        assertThat(body.getImagePipelineExecution().getImagePipelineExecutionSet())
                .anySatisfy(e -> assertThat(TERMINAL).contains(e.getStatus()));
    }

    @Test
    void everyExecutionFollowsTheBuildLifecycleAndGetsAnImageOnceBuilt() {
        Map<String, List<String>> histories = run(11, 300);

        assertThat(histories).isNotEmpty();
        histories.forEach((id, history) -> {
            assertThat(history.get(0)).isEqualTo("PREPARING");
            for (int i = 1; i < history.size(); i++) {
                assertThat(NEXT.getOrDefault(history.get(i - 1), Set.of())).as("%s after %s", history.get(i), history.get(i - 1))
                        .contains(history.get(i));
            }
            EcsSimulator.Execution now = sim.findExecution(id).orElseThrow();
            if (Set.of("TESTING", "DISTRIBUTING", "SUCCESS", "TEST_FAILED", "PARTITION_SUCCESS").contains(now.status())) {
                assertThat(now.imageId()).matches("m-[0-9a-z]{20}");
            }
            if (Set.of("PREPARING", "REPAIRING", "BUILDING", "FAILED", "CANCELLING", "CANCELLED").contains(now.status())) {
                assertThat(now.imageId()).isNull();
            }
            assertThat(now.message()).isNotBlank();
        });
        assertThat(histories.values()).anySatisfy(h -> assertThat(TERMINAL).contains(h.get(h.size() - 1)));
    }

    @Test
    void everyTerminalStatusAppearsForSomeSeed() {
        Set<String> seen = new HashSet<>();
        for (long seed = 1; seed <= 10 && !seen.containsAll(TERMINAL); seed++) {
            sim.close();
            sim = EcsSimulator.start();
            run(seed, 200).values().forEach(h -> seen.add(h.get(h.size() - 1)));
        }
        assertThat(seen).containsAll(TERMINAL);
    }

    @Test
    void theSameSeedTellsTheSameStory() {
        List<List<String>> first = story(run(42, 120));
        sim.close();
        sim = EcsSimulator.start();
        List<List<String>> again = story(run(42, 120));
        sim.close();
        sim = EcsSimulator.start();
        List<List<String>> other = story(run(43, 120));

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void closingStopsTheClock() throws Exception {
        LiveScenario live = LiveScenario.on(sim).pipeline(REGION, PIPELINE).tick(Duration.ofMillis(5)).start();
        Thread.sleep(100);
        live.close();
        Thread.sleep(50);
        long stoppedAt = live.ticks();
        Thread.sleep(100);

        assertThat(stoppedAt).isPositive();
        assertThat(live.ticks()).isEqualTo(stoppedAt);
    }

    @Test
    void survivesItsPipelineBeingDeleted() {
        LiveScenario live = LiveScenario.on(sim).pipeline(REGION, PIPELINE).newExecutionEvery(1).build();
        live.tick();
        live.tick();
        sim.deletePipeline(REGION, PIPELINE);

        for (int i = 0; i < 20; i++) {
            live.tick();
        }
        assertThat(live.ticks()).isEqualTo(22);
    }

    /** Ticks a manual scenario and records every status each execution shows after each tick, in start order. */
    private Map<String, List<String>> run(long seed, int ticks) {
        LiveScenario live = LiveScenario.on(sim).pipeline(REGION, PIPELINE).newExecutionEvery(3).seed(seed).build();
        Map<String, List<String>> histories = new LinkedHashMap<>();
        for (int i = 0; i < ticks; i++) {
            live.tick();
            List<EcsSimulator.Execution> executions = new ArrayList<>(sim.executions(REGION, PIPELINE));
            java.util.Collections.reverse(executions); // oldest first
            for (EcsSimulator.Execution e : executions) {
                List<String> history = histories.computeIfAbsent(e.executionId(), k -> new ArrayList<>());
                if (history.isEmpty() || !history.get(history.size() - 1).equals(e.status())) {
                    history.add(e.status());
                }
            }
        }
        return histories;
    }

    /** The histories without the execution IDs, which differ from run to run. */
    private static List<List<String>> story(Map<String, List<String>> histories) {
        return new ArrayList<>(histories.values());
    }

    private static long terminal(List<EcsSimulator.Execution> executions) {
        return executions.stream().filter(e -> TERMINAL.contains(e.status())).count();
    }
}
