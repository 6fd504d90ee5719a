package dev.imagebuilder.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One execution of an ECS image pipeline, named after its ExecutionId and owned by the watch that
 * found it. Written only by the operator. Its CRD has no status subresource, so that the operator
 * creates or updates a child, status included, in a single write.
 */
@Group(ImagePipelineWatch.GROUP)
@Version(ImagePipelineWatch.VERSION)
@Plural("imagepipelineexecutions") // spelled out: Fabric8 derives it with regular expressions on every object it builds
@ShortNames("ipe")
@Categories("imagebuilder")
@AdditionalPrinterColumn(name = "Pipeline", jsonPath = ".spec.imagePipelineId")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Image", jsonPath = ".status.imageId")
@AdditionalPrinterColumn(
    name = "Succeeded",
    jsonPath = ".status.conditions[?(@.type==\"Succeeded\")].status")
@AdditionalPrinterColumn(
    name = "Created",
    jsonPath = ".status.creationTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Modified",
    jsonPath = ".status.modifiedTime",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ImagePipelineExecution
    extends CustomResource<ImagePipelineExecutionSpec, ImagePipelineExecutionStatus>
    implements Namespaced {

  /** Name of the ImagePipelineWatch that owns the execution. */
  public static final String WATCH_LABEL = ImagePipelineWatch.GROUP + "/watch";
  /** The ECS image pipeline ID. */
  public static final String PIPELINE_LABEL = ImagePipelineWatch.GROUP + "/pipeline";
  /** The ECS status in lower case, for label selectors such as status=failed. */
  public static final String STATUS_LABEL = ImagePipelineWatch.GROUP + "/status";
}
