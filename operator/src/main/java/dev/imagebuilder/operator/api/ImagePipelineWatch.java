package dev.imagebuilder.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Names one ECS image pipeline whose executions the operator mirrors as child resources. */
@Group(ImagePipelineWatch.GROUP)
@Version(ImagePipelineWatch.VERSION)
@Plural("imagepipelinewatches") // spelled out: Fabric8 derives it with regular expressions on every object it builds
@ShortNames("ipw")
@Categories("imagebuilder")
@AdditionalPrinterColumn(name = "Pipeline", jsonPath = ".spec.imagePipelineId")
@AdditionalPrinterColumn(name = "Region", jsonPath = ".spec.regionId")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Latest", jsonPath = ".status.latestExecution.status")
@AdditionalPrinterColumn(name = "Image", jsonPath = ".status.latestSuccessfulImageId")
@AdditionalPrinterColumn(
    name = "Last Sync",
    jsonPath = ".status.lastSyncTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ImagePipelineWatch extends CustomResource<ImagePipelineWatchSpec, ImagePipelineWatchStatus>
    implements Namespaced {

  public static final String GROUP = "ecs.imagebuilder.dev";
  public static final String VERSION = "v1alpha1";

  /** Setting this annotation to a new value asks for an immediate poll (Flux's requestedAt pattern). */
  public static final String RECONCILE_REQUESTED_AT = GROUP + "/reconcile-requested-at";

  public String reconcileRequestedAt() {
    var annotations = getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(RECONCILE_REQUESTED_AT);
  }
}
