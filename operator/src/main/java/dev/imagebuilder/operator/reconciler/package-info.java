/**
 * The sync loop: one poll of a watch observes, decides and applies.
 *
 * <p>I/O, in the order of a poll: {@link dev.imagebuilder.operator.reconciler.ImagePipelineWatchReconciler}
 * (JOSDK's entry, the status patch), {@code WatchCredentials} (one GET of a Secret), {@code
 * EcsObserver} and {@code SharedListings} (ECS), {@code ChildWriter} (children), {@code
 * CompactChildStore} (the informer's store of children) and {@code WatchEvents.record}.
 *
 * <p>Pure decisions, each with its table test: {@code WatchSettings} (the spec, checked), {@code
 * Duplicates}, {@code ListingScope} (what to list), {@code ListingPlanner} and {@code PollPlan}
 * (which children to write, with {@code ExecutionChildren}, {@code ChildNames}, {@code
 * ExecutionConditions}, {@code History}, {@code TakenNames} and {@code EcsView}), {@code
 * PollOutcome} and {@code PollDecision} (status, events, next poll and memory, with {@code
 * WatchStatuses}, {@code Conditions}, {@code WatchEvents}, {@code PollSchedule} and {@code
 * WatchMemory}), {@code PollRequest}, {@code LabelValues} and {@code Durations}.
 *
 * <p>Both halves stay in one package so the decisions keep package-private interfaces: none of them
 * is an API for other packages, and a split would make each public.
 */
package dev.imagebuilder.operator.reconciler;
