package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.ecs.EcsAccounts;
import dev.imagebuilder.operator.ecs.EcsException;
import dev.imagebuilder.operator.ecs.EcsExecution;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What ECS says in one poll: the listing (shared with other watches of the same pipeline and
 * credentials while fresh), and a lookup by ID of each running execution it did not cover.
 */
final class EcsObserver {

  private final SharedListings listings;

  EcsObserver(Clock clock) {
    this.listings = new SharedListings(clock);
  }

  /**
   * @param before what ECS said before, or null: its running executions are looked up when the
   *     listing does not cover them
   * @param shareFor how old a listing made for another watch may be to serve this one; zero to
   *     list afresh
   * @param eachPage told of each page of a listing this poll makes itself, as it arrives
   */
  PollPlan.Observation observe(
      EcsAccounts.Account account,
      WatchSettings settings,
      ListingScope scope,
      EcsView before,
      Duration shareFor,
      Consumer<List<EcsExecution>> eachPage)
      throws EcsException {
    var pipeline = settings.pipeline();
    Set<String> statuses = scope.statuses();
    List<EcsExecution> listed;
    if (!scope.asksEcs()) {
      listed = List.of();
    } else if (shareFor.isZero()) {
      listed = account.api().listExecutions(pipeline, statuses, settings.pageSize(), eachPage);
    } else {
      var key = new SharedListings.Key(account.identity(), pipeline.regionId(), pipeline.imagePipelineId(), statuses, settings.pageSize());
      listed = listings.list(key, shareFor, () -> account.api().listExecutions(pipeline, statuses, settings.pageSize(), eachPage));
    }
    List<EcsExecution> found = new ArrayList<>();
    Set<String> gone = new HashSet<>();
    if (before != null && (!scope.full() || !settings.statusFilter().isEmpty())) {
      // Running before, and not in this listing: it left the active set or the filter
      // (BUILDING -> SUCCESS), so only a lookup by ID can say how it went on.
      Set<String> listedIds = new HashSet<>();
      listed.forEach(e -> listedIds.add(e.executionId()));
      for (String id : before.active().keySet()) {
        if (!listedIds.contains(id)) {
          account.api().findExecution(pipeline, id).ifPresentOrElse(found::add, () -> gone.add(id));
        }
      }
    }
    return new PollPlan.Observation(scope, listed, found, gone);
  }
}
