package dev.imagebuilder.operator.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Brings an {@link EcsSimulator} to life for a demo: on a compressed clock it starts a new execution in
 * each given pipeline every few ticks and moves every execution through the statuses a real image build
 * goes through, {@code PREPARING → [REPAIRING →] BUILDING → TESTING → DISTRIBUTING → RELEASING → SUCCESS},
 * with some ending {@code FAILED}, {@code TEST_FAILED}, {@code PARTITION_SUCCESS} or, via
 * {@code CANCELLING}, {@code CANCELLED}. An image ID {@code m-…} appears once the image is built.
 *
 * <pre>{@code
 * LiveScenario live = LiveScenario.on(sim).pipeline("cn-hangzhou", "ip-demo").seed(7).start();
 * ...
 * live.close();
 * }</pre>
 *
 * <p>Every random choice (outcome, phase lengths, IDs in messages) is drawn from one {@link Random} seeded
 * by {@link Builder#seed(long)} when an execution starts, so the same seed and the same number of ticks
 * give the same story however the scheduler's timing falls. Execution IDs themselves come from the
 * simulator and differ between runs.
 */
public final class LiveScenario implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LiveScenario.class.getName());
    private static final String[] BUILD_FAILURES = {
            "Execute build command failed: exit status 1 (RUN yum install -y nginx).",
            "Execute build command failed: exit status 127 (RUN /opt/setup.sh: not found).",
            "Create intermediate instance failed: the instance type is out of stock in the zone."};
    private static final String[] TEST_FAILURES = {
            "Execute test command failed: exit status 22 (curl -f http://localhost/healthz).",
            "Execute test command failed: exit status 1 (systemctl is-active nginx)."};
    private static final String[] DISTRIBUTION_REGIONS = {"cn-shanghai", "cn-beijing", "ap-southeast-1", "eu-central-1"};

    private final EcsSimulator sim;
    private final List<String[]> pipelines;
    private final int spawnEveryTicks;
    private final Duration tick;
    private final Random random;
    private final Map<String, Plan> active = new LinkedHashMap<>();
    private volatile ScheduledExecutorService scheduler;
    private long ticks;

    private LiveScenario(Builder b) {
        this.sim = b.sim;
        this.pipelines = List.copyOf(b.pipelines);
        this.spawnEveryTicks = b.spawnEveryTicks;
        this.tick = b.tick;
        this.random = new Random(b.seed);
    }

    /** Starts describing a scenario on {@code sim}. */
    public static Builder on(EcsSimulator sim) {
        return new Builder(sim);
    }

    /** Configures a {@link LiveScenario}. */
    public static final class Builder {
        private final EcsSimulator sim;
        private final List<String[]> pipelines = new ArrayList<>();
        private Duration tick = Duration.ofSeconds(1);
        private int spawnEveryTicks = 5;
        private long seed = 1;

        private Builder(EcsSimulator sim) {
            this.sim = sim;
        }

        /** A pipeline to run executions in; added to the simulator if it is not there yet. */
        public Builder pipeline(String regionId, String imagePipelineId) {
            sim.addPipeline(regionId, imagePipelineId);
            pipelines.add(new String[] {regionId, imagePipelineId});
            return this;
        }

        /** Wall-clock length of one tick (default 1 s); a phase of a build lasts one to a few ticks. */
        public Builder tick(Duration tick) {
            if (tick.isZero() || tick.isNegative()) {
                throw new IllegalArgumentException("tick must be positive");
            }
            this.tick = tick;
            return this;
        }

        /** Starts a new execution in every pipeline each {@code ticks} ticks (default 5), beginning at once. */
        public Builder newExecutionEvery(int ticks) {
            if (ticks < 1) {
                throw new IllegalArgumentException("ticks must be positive");
            }
            this.spawnEveryTicks = ticks;
            return this;
        }

        /** The seed of every random choice (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** A scenario that only moves when {@link LiveScenario#tick()} is called (for tests). */
        public LiveScenario build() {
            if (pipelines.isEmpty()) {
                throw new IllegalStateException("a scenario needs at least one pipeline");
            }
            return new LiveScenario(this);
        }

        /** A scenario that ticks by itself on a background thread until {@link LiveScenario#close()}. */
        public LiveScenario start() {
            LiveScenario scenario = build();
            scenario.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ecs-live-scenario");
                t.setDaemon(true);
                return t;
            });
            scenario.scheduler.scheduleAtFixedRate(scenario::tickQuietly, 0, scenario.tick.toNanos(), TimeUnit.NANOSECONDS);
            return scenario;
        }
    }

    /** Advances the story by one tick: starts due executions, then moves every running one along. */
    public synchronized void tick() {
        for (Iterator<Map.Entry<String, Plan>> it = active.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Plan> entry = it.next();
            Plan plan = entry.getValue();
            if (--plan.ticksLeft > 0) {
                continue;
            }
            plan.step++;
            Step step = plan.steps.get(plan.step);
            try {
                sim.setStatus(entry.getKey(), step.status, step.imageId, step.message);
            } catch (IllegalArgumentException gone) {
                it.remove(); // its pipeline was deleted under us
                continue;
            }
            plan.ticksLeft = step.ticks;
            if (plan.step == plan.steps.size() - 1) {
                it.remove();
            }
        }
        if (ticks % spawnEveryTicks == 0) {
            for (String[] pipeline : pipelines) {
                Plan plan = plan();
                Step first = plan.steps.get(0);
                try {
                    String id = sim.addExecution(pipeline[0], pipeline[1], first.status, first.imageId, first.message);
                    plan.ticksLeft = first.ticks;
                    active.put(id, plan);
                } catch (IllegalArgumentException gone) {
                    // the pipeline was deleted; the plan was still drawn so the random sequence stays the same
                }
            }
        }
        ticks++;
    }

    /** How many ticks have passed. */
    public synchronized long ticks() {
        return ticks;
    }

    /** Stops ticking; executions keep the status they have. */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // An exception would silently cancel the schedule; a demo should rather keep going.
            LOG.log(System.Logger.Level.WARNING, "live scenario tick failed", e);
        }
    }

    // ---------------------------------------------------------------- the story of one execution

    private record Step(String status, int ticks, String imageId, String message) {
    }

    private static final class Plan {
        final List<Step> steps;
        int step;
        int ticksLeft;

        Plan(List<Step> steps) {
            this.steps = steps;
        }
    }

    private Plan plan() {
        int roll = random.nextInt(100);
        String outcome = roll < 55 ? "SUCCESS" : roll < 70 ? "FAILED" : roll < 80 ? "TEST_FAILED"
                : roll < 90 ? "PARTITION_SUCCESS" : "CANCELLED";
        String vpc = "vpc-" + id(20);
        String instance = "i-" + id(20);
        String image = "m-" + id(20);
        String region = DISTRIBUTION_REGIONS[random.nextInt(DISTRIBUTION_REGIONS.length)];
        boolean repair = random.nextInt(5) == 0;

        List<Step> steps = new ArrayList<>();
        steps.add(new Step("PREPARING", between(1, 2), null, "Create transition vpc \"" + vpc + "\" success!"));
        if (outcome.equals("CANCELLED")) {
            if (random.nextBoolean()) {
                steps.add(new Step("BUILDING", between(1, 3), null, "Create intermediate instance \"" + instance + "\" success!"));
            }
            steps.add(new Step("CANCELLING", between(1, 2), null, "Cancelling: releasing intermediate instance \"" + instance + "\"."));
            steps.add(new Step("CANCELLED", 0, null, "The image creation task was cancelled."));
            return new Plan(steps);
        }
        if (repair) {
            steps.add(new Step("REPAIRING", between(1, 2), null, "Repairing the source image."));
        }
        steps.add(new Step("BUILDING", between(2, 4), null, "Create intermediate instance \"" + instance + "\" success! Running build commands."));
        String release = "Releasing intermediate instance \"" + instance + "\" and transition vpc \"" + vpc + "\".";
        if (outcome.equals("FAILED")) {
            steps.add(new Step("RELEASING", 1, null, release));
            steps.add(new Step("FAILED", 0, null, BUILD_FAILURES[random.nextInt(BUILD_FAILURES.length)]));
            return new Plan(steps);
        }
        steps.add(new Step("TESTING", between(1, 3), image, "Image \"" + image + "\" created. Running test commands."));
        if (outcome.equals("TEST_FAILED")) {
            steps.add(new Step("RELEASING", 1, image, release));
            steps.add(new Step("TEST_FAILED", 0, image, TEST_FAILURES[random.nextInt(TEST_FAILURES.length)]));
            return new Plan(steps);
        }
        steps.add(new Step("DISTRIBUTING", between(1, 3), image, "Copying image \"" + image + "\" to " + region + "."));
        steps.add(new Step("RELEASING", 1, image, release));
        steps.add(outcome.equals("PARTITION_SUCCESS")
                ? new Step("PARTITION_SUCCESS", 0, image,
                        "Image \"" + image + "\" created, but copying it to " + region + " failed: QuotaExceed.Image.")
                : new Step("SUCCESS", 0, image, "Image \"" + image + "\" created successfully."));
        return new Plan(steps);
    }

    private int between(int min, int max) {
        return min + random.nextInt(max - min + 1);
    }

    private String id(int length) {
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
