package dev.imagebuilder.operator.ecs;

import com.aliyun.ecs20140526.Client;
import com.aliyun.teaopenapi.models.Config;
import com.aliyun.teaopenapi.models.OpenApiRequest;
import com.aliyun.teaopenapi.models.Params;
import com.aliyun.teautil.models.RuntimeOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link ImagePipelines} over Alibaba's V2 ECS SDK: one SDK client per region, every page of a
 * listing, no retries of its own (the reconciler decides when to call again).
 */
public class SdkImagePipelines implements ImagePipelines {

  static final String ACTION = "DescribeImagePipelineExecutions";

  private final EcsSettings settings;
  private final com.aliyun.credentials.Client credentials;
  private final String identity;
  private final RequestBudget budget;
  private final EcsCallObserver observer;
  /** One SDK client per region, for the regions used lately: region IDs come from watches. */
  private final Map<String, Client> clientsByRegion =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Client> eldest) {
              return size() > MAX_REGIONS;
            }
          });

  static final int MAX_REGIONS = 32;

  /**
   * The longest one listing may take, waits for the request budget included. A listing of the
   * largest pipeline the cap admits takes a few hundred pages, each a second or less even when the
   * budget is shared; one still going after this is not going to end.
   */
  static final Duration MAX_LISTING_TIME = Duration.ofMinutes(10);

  private final Clock clock;
  private final Duration maxListingTime;

  /**
   * @param identity whose request budget the calls spend: the same for every client of one set of
   *     credentials, and never a secret
   */
  public SdkImagePipelines(
      EcsSettings settings,
      com.aliyun.credentials.Client credentials,
      String identity,
      RequestBudget budget,
      EcsCallObserver observer) {
    this(settings, credentials, identity, budget, observer, Clock.systemUTC(), MAX_LISTING_TIME);
  }

  SdkImagePipelines(
      EcsSettings settings,
      com.aliyun.credentials.Client credentials,
      String identity,
      RequestBudget budget,
      EcsCallObserver observer,
      Clock clock,
      Duration maxListingTime) {
    this.clock = clock;
    this.maxListingTime = maxListingTime;
    this.settings = settings;
    this.credentials = credentials;
    this.identity = identity;
    this.budget = budget;
    this.observer = observer;
  }

  @Override
  public List<EcsExecution> listExecutions(
      PipelineRef pipeline, Collection<String> statuses, int pageSize, Consumer<List<EcsExecution>> eachPage)
      throws EcsException {
    // One limit for the whole listing, a restart from the first page included.
    var limit = new ListingLimit(maxPages(settings.maxListed(), pageSize), clock.instant().plus(maxListingTime));
    try {
      return listAllPages(pipeline, statuses, pageSize, eachPage, limit);
    } catch (EcsException e) {
      if (!e.code().equals("Invalid.NextToken")) {
        throw e;
      }
      // The token expired or the listing changed under it: a fresh listing from the first page
      // is the only complete answer.
      return listAllPages(pipeline, statuses, pageSize, eachPage, limit);
    }
  }

  /**
   * The most pages one listing may take: as many as the cap fills at this page size, and a margin
   * for executions that start while it is read (each shifts the pages by one) and for a restart.
   */
  static int maxPages(int maxListed, int pageSize) {
    long pages = ((long) maxListed + pageSize - 1) / pageSize;
    return (int) Math.min(Integer.MAX_VALUE, pages + pages / 10 + 3);
  }

  /** What is left of one listing's pages and time. */
  private final class ListingLimit {
    final int maxPages;
    final Instant deadline;
    int pages;

    ListingLimit(int maxPages, Instant deadline) {
      this.maxPages = maxPages;
      this.deadline = deadline;
    }

    /** Counts one more page, or ends the listing when it would pass its limit. */
    void nextPage(int listed) throws EcsException {
      if (pages >= maxPages) {
        throw new EcsException(
            EcsException.Kind.UNBOUNDED,
            "ListingUnbounded",
            "ECS did not end the listing after " + pages + " pages (" + listed + " executions), the most one listing "
                + "of up to " + settings.maxListed() + " executions takes; the listing was stopped");
      }
      if (pages > 0 && clock.instant().isAfter(deadline)) {
        throw new EcsException(
            EcsException.Kind.UNBOUNDED,
            "ListingUnbounded",
            "ECS did not end the listing within " + maxListingTime.toMinutes() + " minutes (" + pages + " pages, "
                + listed + " executions); the listing was stopped");
      }
      pages++;
    }
  }

  @Override
  public Optional<EcsExecution> findExecution(PipelineRef pipeline, String executionId)
      throws EcsException {
    Map<String, Object> query = new LinkedHashMap<>();
    query.put("ExecutionId", executionId);
    query.put("ImagePipelineId", pipeline.imagePipelineId());
    query.put("RegionId", pipeline.regionId());
    // Only an answer about the execution asked for counts; anything else ECS sends is ignored.
    return call(pipeline.regionId(), query).executions().stream().filter(e -> executionId.equals(e.executionId())).findFirst();
  }

  /**
   * Every page until ECS gives no NextToken. Pages are not trusted to be consistent: an execution
   * listed twice counts once (and reaches {@code eachPage} once); a NextToken that comes back a
   * second time, or pages that go on past {@code limit}, end the listing instead of looping
   * forever; and a listing larger than {@link EcsSettings#maxListed()} is refused before it fills
   * the memory: at once when the first page's TotalCount says so, before any page is handed over.
   */
  private List<EcsExecution> listAllPages(
      PipelineRef pipeline, Collection<String> statuses, int pageSize, Consumer<List<EcsExecution>> eachPage,
      ListingLimit limit)
      throws EcsException {
    Map<String, EcsExecution> all = new LinkedHashMap<>();
    Set<String> tokens = new HashSet<>();
    String nextToken = null;
    do {
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("ImagePipelineId", pipeline.imagePipelineId());
      query.put("MaxResults", pageSize);
      if (nextToken != null) {
        query.put("NextToken", nextToken);
      }
      query.put("RegionId", pipeline.regionId());
      if (!statuses.isEmpty()) {
        query.put("Status", String.join(",", statuses));
      }
      limit.nextPage(all.size());
      var page = call(pipeline.regionId(), query);
      if (nextToken == null && page.totalCount() != null && page.totalCount() > settings.maxListed()) {
        throw tooLarge("counts " + page.totalCount() + " executions");
      }
      List<EcsExecution> fresh = new ArrayList<>();
      for (EcsExecution execution : page.executions()) {
        if (execution.executionId() != null && all.putIfAbsent(execution.executionId(), execution) == null) {
          fresh.add(execution);
        }
      }
      if (all.size() > settings.maxListed()) {
        throw tooLarge("lists more than " + settings.maxListed() + " executions");
      }
      eachPage.accept(fresh);
      nextToken = page.nextToken();
      if (nextToken != null && !nextToken.isEmpty() && !tokens.add(nextToken)) {
        throw new EcsException(
            EcsException.Kind.UNBOUNDED,
            "RepeatedNextToken",
            "ECS returned the same NextToken twice after " + limit.pages + " pages (" + all.size()
                + " executions); the listing was stopped");
      }
    } while (nextToken != null && !nextToken.isEmpty());
    return List.copyOf(all.values());
  }

  private EcsException tooLarge(String what) {
    return new EcsException(
        EcsException.Kind.TOO_LARGE,
        "ListingTooLarge",
        "ECS " + what + " for this pipeline; one watch mirrors at most " + settings.maxListed()
            + " (ECS_MAX_EXECUTIONS_PER_WATCH); narrow it with spec.statusFilter");
  }

  /**
   * DescribeImagePipelineExecutions as the SDK's own method sends it (same parameters, signature and
   * transport); the SDK hands over the answer's bytes ("byte"), which {@link EcsPage} reads. Error
   * answers the SDK still reads itself, into a TeaException.
   */
  private static final Params PARAMS =
      new Params()
          .setAction(ACTION)
          .setVersion("2014-05-26")
          .setProtocol("HTTPS")
          .setPathname("/")
          .setMethod("POST")
          .setAuthType("AK")
          .setStyle("RPC")
          .setReqBodyType("formData")
          .setBodyType("byte");

  private EcsPage call(String regionId, Map<String, Object> query) throws EcsException {
    var runtime =
        new RuntimeOptions()
            .setAutoretry(false)
            .setConnectTimeout((int) settings.connectTimeout().toMillis())
            .setReadTimeout((int) settings.readTimeout().toMillis());
    var client = client(regionId);
    try {
      if (!budget.acquire(new RequestBudget.Key(identity, regionId, ACTION))) {
        throw new EcsException(
            EcsException.Kind.BUDGET_WAIT,
            "BudgetWaitTimeout",
            "no ECS request of the operator's budget (ECS_REQUESTS_PER_SECOND, shared fairly between namespaces) was free within "
                + budget.maxWait().toSeconds() + "s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EcsException(EcsException.Kind.UNAVAILABLE, "Interrupted", "interrupted waiting for the ECS request budget");
    }
    try {
      var request = new OpenApiRequest().setQuery(com.aliyun.openapiutil.Client.query(query));
      var body = client.callApi(PARAMS, request, runtime).get("body");
      var page = EcsPage.read(body instanceof byte[] bytes ? bytes : new byte[0]);
      observer.requested(ACTION, regionId, "OK", null);
      return page;
    } catch (Exception e) {
      var failure = EcsErrors.from(e);
      observer.requested(ACTION, regionId, failure.code(), failure.kind());
      throw failure;
    }
  }

  private Client client(String regionId) throws EcsException {
    Client client = clientsByRegion.get(regionId);
    if (client != null) {
      return client;
    }
    var config =
        new Config()
            .setRegionId(regionId)
            .setCredential(credentials)
            .setProtocol(settings.protocol())
            .setNetwork("vpc".equals(settings.network()) ? "vpc" : null)
            .setEndpoint(settings.endpoint())
            .setConnectTimeout((int) settings.connectTimeout().toMillis())
            .setReadTimeout((int) settings.readTimeout().toMillis());
    if (settings.proxy() != null) {
      // The field the endpoint's scheme reads: the SDK's proxy is this client's alone, so the
      // Kubernetes client, which reads HTTPS_PROXY and NO_PROXY, never sees it.
      if ("https".equals(settings.protocol())) {
        config.setHttpsProxy(settings.proxy().url());
      } else {
        config.setHttpProxy(settings.proxy().url());
      }
    }
    try {
      client = new Client(config);
    } catch (Exception e) {
      throw EcsErrors.from(e);
    }
    Client raced = clientsByRegion.putIfAbsent(regionId, client);
    return raced != null ? raced : client;
  }
}
