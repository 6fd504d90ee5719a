package dev.imagebuilder.operator.reconciler;

import dev.imagebuilder.operator.api.ImagePipelineExecution;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The informer's cache of children, kept small: a pipeline can have tens of thousands of
 * executions. Before a child is cached, what the operator never reads goes (managedFields, which a
 * real API server adds and which outweigh the rest of the object), the strings that every child of
 * a watch repeats are shared, and empty maps are shared. The operator never changes a cached
 * child: it copies one before writing. Only the operator's own strings are shared, none longer
 * than {@link #MAX_SHARED_LENGTH}, and together never more than {@link #MAX_SHARED_BYTES} as
 * {@link #bytes} counts them: what others write into children never grows this store past that.
 */
final class CompactChildStore extends BasicItemStore<ImagePipelineExecution> {

  /** Strings repeated across children: kinds, names of watches and pipelines, statuses, reasons. */
  private final Map<String, String> shared = new ConcurrentHashMap<>();

  /**
   * The longest string shared: names, IDs, statuses and reasons are far shorter, and a longer one
   * is not worth sharing (it is not repeated), so it stays with its child and goes with it.
   */
  static final int MAX_SHARED_LENGTH = 256;

  /** What the shared strings may hold together: plenty for a few per watch and some per reason. */
  static final long MAX_SHARED_BYTES = 4L * 1024 * 1024;

  private final AtomicLong sharedBytes = new AtomicLong();

  private static final Set<String> OPERATOR_LABELS =
      Set.of(ImagePipelineExecution.WATCH_LABEL, ImagePipelineExecution.PIPELINE_LABEL, ImagePipelineExecution.STATUS_LABEL);

  CompactChildStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public ImagePipelineExecution put(String key, ImagePipelineExecution child) {
    return super.put(key, compact(child));
  }

  ImagePipelineExecution compact(ImagePipelineExecution child) {
    child.setApiVersion(share(child.getApiVersion()));
    child.setKind(share(child.getKind()));
    ObjectMeta meta = child.getMetadata();
    meta.setManagedFields(null);
    meta.setNamespace(share(meta.getNamespace()));
    meta.setLabels(shareMap(meta.getLabels()));
    meta.setAnnotations(emptyIfEmptyStrings(meta.getAnnotations()));
    meta.setAdditionalProperties(emptyIfEmpty(meta.getAdditionalProperties()));
    if (meta.getOwnerReferences() != null) {
      for (OwnerReference owner : meta.getOwnerReferences()) {
        owner.setApiVersion(share(owner.getApiVersion()));
        owner.setKind(share(owner.getKind()));
        owner.setName(share(owner.getName()));
        owner.setUid(share(owner.getUid()));
        owner.setAdditionalProperties(emptyIfEmpty(owner.getAdditionalProperties()));
      }
    }
    var spec = child.getSpec();
    if (spec != null) {
      spec.setRegionId(share(spec.getRegionId()));
      spec.setImagePipelineId(share(spec.getImagePipelineId()));
    }
    var status = child.getStatus();
    if (status != null) {
      status.setPhase(share(status.getPhase()));
      status.setResourceGroupId(share(status.getResourceGroupId()));
      if (status.getConditions() != null) {
        for (Condition c : status.getConditions()) {
          c.setType(share(c.getType()));
          c.setStatus(share(c.getStatus()));
          c.setReason(share(c.getReason()));
          c.setAdditionalProperties(emptyIfEmpty(c.getAdditionalProperties()));
        }
      }
    }
    return child;
  }

  private String share(String value) {
    if (value == null || value.length() > MAX_SHARED_LENGTH) {
      return value;
    }
    String known = shared.get(value);
    if (known != null) {
      return known;
    }
    long size = bytes(value);
    if (sharedBytes.addAndGet(size) > MAX_SHARED_BYTES) {
      sharedBytes.addAndGet(-size);
      return value;
    }
    String raced = shared.putIfAbsent(value, value);
    if (raced != null) {
      sharedBytes.addAndGet(-size);
      return raced;
    }
    return value;
  }

  /**
   * What one shared string holds, from above: its entry in the table, the String and its
   * characters at two bytes each.
   */
  static long bytes(String value) {
    return 32 + 24 + 16 + 2L * value.length();
  }

  int sharedCount() {
    return shared.size();
  }

  /** What the shared strings hold together, by {@link #bytes}. */
  long sharedBytes() {
    return sharedBytes.get();
  }

  /** Labels with the operator's own keys and values shared; others' labels kept as they are. */
  private Map<String, String> shareMap(Map<String, String> map) {
    if (map == null || map.isEmpty()) {
      return map == null ? null : Map.of();
    }
    return map.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(
            e -> OPERATOR_LABELS.contains(e.getKey()) ? share(e.getKey()) : e.getKey(),
            e -> OPERATOR_LABELS.contains(e.getKey()) ? share(e.getValue()) : e.getValue()));
  }

  private static Map<String, String> emptyIfEmptyStrings(Map<String, String> map) {
    return map == null ? null : map.isEmpty() ? Map.of() : map;
  }

  private static Map<String, Object> emptyIfEmpty(Map<String, Object> map) {
    return map == null || map.isEmpty() ? Map.of() : map;
  }
}
