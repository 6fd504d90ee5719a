package dev.imagebuilder.operator.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.imagebuilder.operator.simulator.SignatureVerifier.Credential;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A stand-in for the ECS API {@code DescribeImagePipelineExecutions}, served over real HTTP on 127.0.0.1
 * so that tests and the laptop demo exercise the real Alibaba SDK: its signing, its HTTP client, its
 * JSON mapping and its exceptions. Production code never depends on this class.
 *
 * <pre>{@code
 * try (EcsSimulator sim = EcsSimulator.start()) {
 *     sim.credentials("AKID", "secret");
 *     sim.addPipeline("cn-hangzhou", "ip-abc123");
 *     List<String> ids = sim.addExecutions("cn-hangzhou", "ip-abc123", 1234, "SUCCESS");
 *     sim.failNext(3, Fault.throttling("Throttling.User"));
 *     // point a com.aliyun.ecs20140526.Client at sim.endpoint() with protocol "http"
 * }
 * }</pre>
 *
 * <p>What it checks like ECS does: the V3 ({@code ACS3-HMAC-SHA256}) and V1 ({@code HMAC-SHA1}) signatures
 * against registered keys (and STS tokens), the parameters of the call, and NextToken integrity. What it
 * answers: executions newest first, paged, in the JSON shape of ECS, and errors as
 * {@code {"Code","Message","RequestId"}} with ECS's HTTP statuses. Every method is thread-safe.
 *
 * <p>The control methods throw {@link IllegalArgumentException} for a test's own mistakes: an unknown
 * status, a pipeline or execution that does not exist, a pipeline ID reused in another region.
 */
public final class EcsSimulator implements AutoCloseable {

    /** The API action this simulator serves. */
    public static final String DESCRIBE_IMAGE_PIPELINE_EXECUTIONS = "DescribeImagePipelineExecutions";

    /** The ECS API version the SDK sends. */
    public static final String API_VERSION = "2014-05-26";

    /** Every status an image pipeline execution can have, as ECS spells them. */
    public static final Set<String> STATUSES = Set.of("PREPARING", "REPAIRING", "BUILDING", "TESTING", "DISTRIBUTING",
            "RELEASING", "SUCCESS", "PARTITION_SUCCESS", "FAILED", "TEST_FAILED", "CANCELLING", "CANCELLED");

    /** A read-only snapshot of one execution, for tests that want to look behind the API. */
    public record Execution(String executionId, String regionId, String imagePipelineId, String status,
                            String imageId, String message, Instant creationTime, Instant modifiedTime) {
    }

    private static final System.Logger LOG = System.getLogger(EcsSimulator.class.getName());
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final int DEFAULT_MAX_RESULTS = 50;
    private static final int MAX_MAX_RESULTS = 500;

    private final HttpServer server;
    private final ExecutorService workers;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final PageTokens pageTokens = new PageTokens();

    private final Map<String, Credential> credentials = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> callsByAction = new ConcurrentHashMap<>();
    private final AtomicInteger totalCalls = new AtomicInteger();
    private final List<Instant> callTimes = new ArrayList<>();
    private volatile String lastSignatureStyle;

    // Pipelines, executions and faults change together, so one lock guards them all.
    private final Object lock = new Object();
    private final Map<String, Pipeline> pipelines = new HashMap<>();
    private final Map<String, MutableExecution> executions = new HashMap<>();
    private final List<PendingFault> faults = new ArrayList<>();
    private long lastSeq;
    private Instant lastCreation = Instant.EPOCH;

    private EcsSimulator(Clock clock, int port) throws IOException {
        this.clock = clock;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), 0);
        AtomicInteger threadNumber = new AtomicInteger();
        // A pool rather than one thread: a delayed answer must not hold up the calls behind it.
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "ecs-simulator-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts a simulator on an ephemeral port of 127.0.0.1. */
    public static EcsSimulator start() {
        return start(Clock.systemUTC());
    }

    /** Starts a simulator whose creation and modification times come from {@code clock}. */
    public static EcsSimulator start(Clock clock) {
        return start(clock, 0);
    }

    /** Starts a simulator on a given port of 127.0.0.1, e.g. one a client was already pointed at. */
    public static EcsSimulator start(Clock clock, int port) {
        try {
            return new EcsSimulator(Objects.requireNonNull(clock), port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the ECS simulator", e);
        }
    }

    /** {@code 127.0.0.1:PORT}, as the SDK's {@code Config.setEndpoint} wants it (use protocol "http"). */
    public String endpoint() {
        return "127.0.0.1:" + port();
    }

    /** The port the simulator listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    // ---------------------------------------------------------------- control

    /** Registers (or replaces) an AccessKey pair that may call the API. */
    public EcsSimulator credentials(String accessKeyId, String accessKeySecret) {
        return credentials(accessKeyId, accessKeySecret, null);
    }

    /**
     * Registers (or replaces) an STS AccessKey pair: calls signed with it must carry {@code securityToken}
     * ({@code x-acs-security-token} in V3, {@code SecurityToken} in V1). A null token makes it a plain key.
     */
    public EcsSimulator credentials(String accessKeyId, String accessKeySecret, String securityToken) {
        requireText(accessKeyId, "accessKeyId");
        requireText(accessKeySecret, "accessKeySecret");
        credentials.put(accessKeyId, new Credential(accessKeyId, accessKeySecret, securityToken));
        return this;
    }

    /** Adds an image pipeline (image template) in a region, with a generated resource group. */
    public EcsSimulator addPipeline(String regionId, String imagePipelineId) {
        requireText(regionId, "regionId");
        requireText(imagePipelineId, "imagePipelineId");
        synchronized (lock) {
            Pipeline existing = pipelines.get(imagePipelineId);
            if (existing != null && !existing.regionId.equals(regionId)) {
                throw new IllegalArgumentException(imagePipelineId + " already exists in " + existing.regionId);
            }
            if (existing == null) {
                pipelines.put(imagePipelineId, new Pipeline(regionId, "rg-" + randomHex(8)));
            }
        }
        return this;
    }

    /** Deletes a pipeline and, as in ECS, all its executions; later calls for it answer 404. */
    public void deletePipeline(String regionId, String imagePipelineId) {
        synchronized (lock) {
            pipeline(regionId, imagePipelineId);
            pipelines.remove(imagePipelineId);
            executions.values().removeIf(e -> e.pipelineId.equals(imagePipelineId));
        }
    }

    /** Adds one execution with the given status and no image or message yet; returns its ID. */
    public String addExecution(String regionId, String imagePipelineId, String status) {
        return addExecution(regionId, imagePipelineId, status, null, null);
    }

    /** Adds one execution, newer than every execution added before; returns its ID. */
    public String addExecution(String regionId, String imagePipelineId, String status, String imageId, String message) {
        return addExecutions(regionId, imagePipelineId, 1, status, imageId, message).get(0);
    }

    /** Adds {@code count} executions at once, oldest first in the returned list. */
    public List<String> addExecutions(String regionId, String imagePipelineId, int count, String status) {
        return addExecutions(regionId, imagePipelineId, count, status, null, null);
    }

    /**
     * Adds {@code count} executions at once, oldest first in the returned list. Creation times are distinct
     * whole seconds, increasing, and end now where that does not collide with earlier executions (a big batch
     * is back-dated rather than placed in the future).
     */
    public List<String> addExecutions(String regionId, String imagePipelineId, int count, String status,
                                      String imageId, String message) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive");
        }
        requireStatus(status);
        synchronized (lock) {
            Pipeline pipeline = pipeline(regionId, imagePipelineId);
            Instant now = now();
            Instant first = now.minusSeconds(count - 1L);
            if (!first.isAfter(lastCreation)) {
                first = lastCreation.plusSeconds(1);
            }
            List<String> ids = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                MutableExecution e = new MutableExecution();
                e.seq = ++lastSeq;
                do {
                    e.id = "exec-" + randomHex(10);
                } while (executions.containsKey(e.id));
                e.regionId = regionId;
                e.pipelineId = imagePipelineId;
                e.resourceGroupId = pipeline.resourceGroupId;
                e.creationTime = first.plusSeconds(i);
                e.modifiedTime = e.creationTime;
                e.status = status;
                e.imageId = imageId;
                e.message = message;
                executions.put(e.id, e);
                ids.add(e.id);
                lastCreation = e.creationTime;
            }
            return ids;
        }
    }

    /** Changes an execution's status only. */
    public void setStatus(String executionId, String status) {
        synchronized (lock) {
            MutableExecution e = execution(executionId);
            setStatus(executionId, status, e.imageId, e.message);
        }
    }

    /**
     * Changes an execution's status, image ID and message (null clears them). ModifiedTime moves forward
     * by at least one second, so every change is visible to a client that compares it.
     */
    public void setStatus(String executionId, String status, String imageId, String message) {
        requireStatus(status);
        synchronized (lock) {
            MutableExecution e = execution(executionId);
            Instant now = now();
            e.modifiedTime = now.isAfter(e.modifiedTime) ? now : e.modifiedTime.plusSeconds(1);
            e.status = status;
            e.imageId = imageId;
            e.message = message;
        }
    }

    /**
     * Gives an execution a status outside the documented twelve, as ECS may one day report; the
     * operator must treat it as still running.
     */
    public void setUndocumentedStatus(String executionId, String status) {
        requireText(status, "status");
        synchronized (lock) {
            MutableExecution e = execution(executionId);
            e.modifiedTime = e.modifiedTime.plusSeconds(1);
            e.status = status;
        }
    }

    /** Removes one execution, as ECS does when its history is cleaned up. */
    public void deleteExecution(String executionId) {
        synchronized (lock) {
            execution(executionId);
            executions.remove(executionId);
        }
    }

    /** A snapshot of one execution, if it exists. */
    public Optional<Execution> findExecution(String executionId) {
        synchronized (lock) {
            return Optional.ofNullable(executions.get(executionId)).map(MutableExecution::snapshot);
        }
    }

    /** Snapshots of a pipeline's executions, newest first. */
    public List<Execution> executions(String regionId, String imagePipelineId) {
        synchronized (lock) {
            pipeline(regionId, imagePipelineId);
            return executions.values().stream()
                    .filter(e -> e.pipelineId.equals(imagePipelineId))
                    .sorted(Comparator.comparingLong((MutableExecution e) -> e.seq).reversed())
                    .map(MutableExecution::snapshot)
                    .toList();
        }
    }

    /**
     * Makes the next {@code times} calls that {@link Fault#matches match} the fault go wrong that way.
     * Faults queue up: a call takes the first pending fault it matches. A call only reaches the faults once
     * its signature is verified, like throttling in ECS happens after authentication.
     */
    public void failNext(int times, Fault fault) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be positive");
        }
        synchronized (lock) {
            faults.add(new PendingFault(Objects.requireNonNull(fault), times));
        }
    }

    /** Drops every pending fault. */
    public void clearFaults() {
        synchronized (lock) {
            faults.clear();
        }
    }

    /** How many calls of {@code action} arrived (answered well or not) since start or the last reset. */
    public int callCount(String action) {
        AtomicInteger count = callsByAction.get(action);
        return count == null ? 0 : count.get();
    }

    /** How many HTTP requests arrived, whatever their action, since start or the last reset. */
    public int totalCalls() {
        return totalCalls.get();
    }

    /** "V1" or "V3": how the last call that passed authentication was signed (for tests of the signers). */
    String lastSignatureStyle() {
        return lastSignatureStyle;
    }

    /** When each call arrived, in order, since start or the last reset (for request-rate checks). */
    public List<Instant> callTimes() {
        synchronized (callTimes) {
            return List.copyOf(callTimes);
        }
    }

    /** Sets every call counter back to zero. */
    public void resetCallCounts() {
        callsByAction.clear();
        totalCalls.set(0);
        synchronized (callTimes) {
            callTimes.clear();
        }
    }

    /** Stops the server at once; a delayed answer still pending is abandoned. */
    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange exchange) {
        String requestId = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
        try (exchange) {
            Answer answer;
            try {
                answer = answer(exchange, requestId);
            } catch (ApiError e) {
                answer = error(e.httpStatus(), e.code(), e.getMessage(), requestId);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // closing: nobody is waiting for this answer any more
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "ECS simulator failed on a request", e);
                answer = error(500, "InternalError",
                        "The request processing has failed due to some unknown error, exception or failure.", requestId);
            }
            Answer sent = answer;
            LOG.log(System.Logger.Level.DEBUG, () -> exchange.getRequestMethod() + " -> " + sent.status
                    + (sent.code != null ? " " + sent.code : "") + " " + requestId);
            exchange.getResponseHeaders().set("Content-Type", sent.contentType);
            exchange.getResponseHeaders().set("x-acs-request-id", requestId);
            exchange.sendResponseHeaders(sent.status, sent.body.length);
            exchange.getResponseBody().write(sent.body);
        } catch (IOException e) {
            // Typically the client gave up (read timeout) before a delayed answer was written.
            LOG.log(System.Logger.Level.DEBUG, "ECS simulator could not answer: " + e);
        }
    }

    private Answer answer(HttpExchange exchange, String requestId) throws IOException, InterruptedException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        Map<String, String> query = decodeForm(exchange.getRequestURI().getRawQuery());
        String contentType = headers.getOrDefault("content-type", "");
        Map<String, String> form = contentType.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")
                ? decodeForm(new String(body, StandardCharsets.UTF_8)) : Map.of();
        Map<String, String> params = new HashMap<>(query);
        params.putAll(form);

        // V3 names the action in a header, V1 in a parameter.
        String action = firstText(headers.get("x-acs-action"), params.get("Action"));
        totalCalls.incrementAndGet();
        synchronized (callTimes) {
            callTimes.add(Instant.now());
        }
        if (action == null) {
            throw ApiError.missingParameter("Action");
        }
        callsByAction.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
        if (!DESCRIBE_IMAGE_PIPELINE_EXECUTIONS.equals(action)) {
            throw new ApiError(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.");
        }
        String version = firstText(headers.get("x-acs-version"), params.get("Version"));
        if (version == null) {
            throw ApiError.missingParameter("Version");
        }
        if (!API_VERSION.equals(version)) {
            throw new ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.");
        }

        lastSignatureStyle = SignatureVerifier.verify(new SignatureVerifier.SignedRequest(exchange.getRequestMethod(),
                exchange.getRequestURI().getRawPath(), query, form, headers, body), credentials::get).style();

        Fault fault = takeFault(action, firstText(params.get("NextToken")) != null);
        if (fault != null) {
            switch (fault.kind()) {
                case ERROR -> throw new ApiError(fault.httpStatus(), fault.code(), fault.message());
                case RAW -> {
                    return new Answer(fault.httpStatus(), null, fault.contentType(),
                            fault.message().getBytes(StandardCharsets.UTF_8));
                }
                case DELAY -> Thread.sleep(fault.delay().toMillis());
            }
        }
        return describeImagePipelineExecutions(params, requestId);
    }

    private Fault takeFault(String action, boolean hasNextToken) {
        synchronized (lock) {
            for (Iterator<PendingFault> it = faults.iterator(); it.hasNext(); ) {
                PendingFault pending = it.next();
                if (pending.fault.matches(action, hasNextToken)) {
                    if (--pending.remaining == 0) {
                        it.remove();
                    }
                    return pending.fault;
                }
            }
            return null;
        }
    }

    // ---------------------------------------------------------------- the API

    private Answer describeImagePipelineExecutions(Map<String, String> params, String requestId) {
        String regionId = firstText(params.get("RegionId"));
        if (regionId == null) {
            throw ApiError.missingParameter("RegionId");
        }
        String pipelineId = firstText(params.get("ImagePipelineId"));
        String executionId = firstText(params.get("ExecutionId"));
        if (pipelineId == null && executionId == null) {
            throw new ApiError(400, "MissingParameter.ImagePipelineId",
                    "The specified parameter ImagePipelineId should not be empty.");
        }
        Set<String> statuses = parseStatuses(params.get("Status"));
        int maxResults = parseMaxResults(params.get("MaxResults"));
        String nextToken = firstText(params.get("NextToken"));
        // The token is bound to everything that selects executions, but not to the page size.
        String queryKey = String.join("|", regionId, Objects.toString(pipelineId, ""),
                Objects.toString(executionId, ""), String.join(",", statuses));

        List<Map<String, Object>> page = new ArrayList<>();
        int total;
        String next = "";
        synchronized (lock) {
            if (pipelineId != null) {
                Pipeline pipeline = pipelines.get(pipelineId);
                if (pipeline == null || !pipeline.regionId.equals(regionId)) {
                    throw new ApiError(404, "InvalidImagePipeline.NotFound",
                            "The specified image pipeline \"" + pipelineId + "\" does not exist.");
                }
            }
            long cursor = nextToken == null ? Long.MAX_VALUE : pageTokens.cursor(nextToken, queryKey);
            List<MutableExecution> matching = executions.values().stream()
                    .filter(e -> e.regionId.equals(regionId))
                    .filter(e -> pipelineId == null || e.pipelineId.equals(pipelineId))
                    .filter(e -> executionId == null || e.id.equals(executionId))
                    .filter(e -> statuses.isEmpty() || statuses.contains(e.status))
                    // Sequence order is creation order (creation times strictly increase), newest first.
                    .sorted(Comparator.comparingLong((MutableExecution e) -> e.seq).reversed())
                    .toList();
            total = matching.size();
            List<MutableExecution> rest = matching.stream().filter(e -> e.seq < cursor).toList();
            for (MutableExecution e : rest.subList(0, Math.min(maxResults, rest.size()))) {
                page.add(toJson(e));
            }
            if (rest.size() > maxResults) {
                next = pageTokens.issue(queryKey, rest.get(maxResults - 1).seq);
            }
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("NextToken", next); // empty on the last page, as ECS does
        response.put("RequestId", requestId);
        response.put("TotalCount", total);
        response.put("MaxResults", maxResults);
        response.put("ImagePipelineExecution", Map.of("ImagePipelineExecutionSet", page));
        return new Answer(200, null, "application/json;charset=utf-8", toBytes(response));
    }

    private static Set<String> parseStatuses(String value) {
        Set<String> statuses = new TreeSet<>();
        if (value == null || value.isBlank()) {
            return statuses;
        }
        for (String status : value.split(",")) {
            String s = status.trim();
            if (!STATUSES.contains(s)) {
                throw new ApiError(400, "InvalidParameter.Status", "The specified parameter Status \"" + s + "\" is not valid.");
            }
            statuses.add(s);
        }
        return statuses;
    }

    private static int parseMaxResults(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_RESULTS;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= MAX_MAX_RESULTS) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiError(400, "InvalidParameter.MaxResults",
                "The specified parameter MaxResults \"" + value + "\" is not valid: it must be between 1 and 500.");
    }

    private static Map<String, Object> toJson(MutableExecution e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreationTime", TIME.format(e.creationTime));
        m.put("ImagePipelineId", e.pipelineId);
        m.put("Status", e.status);
        m.put("ModifiedTime", TIME.format(e.modifiedTime));
        m.put("ResourceGroupId", e.resourceGroupId);
        m.put("Message", Objects.toString(e.message, ""));
        m.put("ImageId", Objects.toString(e.imageId, ""));
        m.put("ExecutionId", e.id);
        m.put("Tags", Map.of("Tag", List.of()));
        return m;
    }

    // ---------------------------------------------------------------- helpers

    private Answer error(int status, String code, String message, String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Code", code);
        body.put("Message", message);
        body.put("RequestId", requestId);
        return new Answer(status, code, "application/json;charset=utf-8", toBytes(body));
    }

    private byte[] toBytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Pipeline pipeline(String regionId, String pipelineId) {
        Pipeline pipeline = pipelines.get(pipelineId);
        if (pipeline == null || !pipeline.regionId.equals(regionId)) {
            throw new IllegalArgumentException("no pipeline " + pipelineId + " in " + regionId);
        }
        return pipeline;
    }

    private MutableExecution execution(String executionId) {
        MutableExecution e = executions.get(executionId);
        if (e == null) {
            throw new IllegalArgumentException("no execution " + executionId);
        }
        return e;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static Map<String, String> decodeForm(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            out.put(URLDecoder.decode(key, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String firstText(String... values) {
        return Arrays.stream(values).filter(v -> v != null && !v.isBlank()).findFirst().orElse(null);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }

    private static void requireStatus(String status) {
        if (!STATUSES.contains(status)) {
            throw new IllegalArgumentException("unknown status " + status + "; one of " +
                    STATUSES.stream().sorted().collect(Collectors.joining(", ")));
        }
    }

    private record Pipeline(String regionId, String resourceGroupId) {
    }

    private record Answer(int status, String code, String contentType, byte[] body) {
    }

    private static final class PendingFault {
        final Fault fault;
        int remaining;

        PendingFault(Fault fault, int remaining) {
            this.fault = fault;
            this.remaining = remaining;
        }
    }

    private static final class MutableExecution {
        long seq;
        String id;
        String regionId;
        String pipelineId;
        String resourceGroupId;
        Instant creationTime;
        Instant modifiedTime;
        String status;
        String imageId;
        String message;

        Execution snapshot() {
            return new Execution(id, regionId, pipelineId, status, imageId, message, creationTime, modifiedTime);
        }
    }
}
