package dev.imagebuilder.operator.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import java.io.IOException;
import java.util.stream.Collectors;

/** Names one ECS image pipeline whose executions the operator mirrors as child resources. */
@Group(ImagePipelineWatch.GROUP)
@Version(ImagePipelineWatch.VERSION)
@Plural("imagepipelinewatches") // spelled out: Fabric8 derives it with regular expressions on every object it builds
@ShortNames("ipw")
@Categories("imagebuilder")
@AdditionalPrinterColumn(name = "Pipeline", jsonPath = ".spec.imagePipelineId")
@AdditionalPrinterColumn(name = "Region", jsonPath = ".spec.regionId")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
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
// -o wide adds these.
@AdditionalPrinterColumn(name = "Interval", jsonPath = ".spec.interval", priority = 1)
@AdditionalPrinterColumn(
    name = "Suspended",
    jsonPath = ".spec.suspend",
    type = AdditionalPrinterColumn.Type.BOOLEAN,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Executions",
    jsonPath = ".status.executionCount",
    type = AdditionalPrinterColumn.Type.INTEGER,
    priority = 1)
public class ImagePipelineWatch extends CustomResource<ImagePipelineWatchSpec, ImagePipelineWatchStatus>
    implements Namespaced {

  public static final String GROUP = "ecs.imagebuilder.dev";
  public static final String VERSION = "v1alpha1";

  /** Setting this annotation to a new value asks for an immediate poll (Flux's requestedAt pattern). */
  public static final String RECONCILE_REQUESTED_AT = GROUP + "/reconcile-requested-at";

  /** Flux's annotation for the same request, written by the Flux CLI and other GitOps tools. */
  public static final String FLUX_REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";

  /** Read leniently: a spec the Java type cannot hold must not stop the informer of every watch. */
  @Override
  @JsonDeserialize(using = SpecReader.class)
  public void setSpec(ImagePipelineWatchSpec spec) {
    super.setSpec(spec);
  }

  /**
   * Reads a spec, or, when a value does not fit its Java type (a number out of range under an
   * older schema, say), an empty spec that names the field in {@link ImagePipelineWatchSpec#getUnreadable()}.
   * Whatever a watch holds, the informer that lists every watch in the cluster keeps running.
   */
  static final class SpecReader extends JsonDeserializer<ImagePipelineWatchSpec> {

    private static final ObjectMapper PLAIN =
        new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Override
    public ImagePipelineWatchSpec deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      JsonNode tree = parser.readValueAsTree();
      try {
        return PLAIN.treeToValue(tree, ImagePipelineWatchSpec.class);
      } catch (IOException | IllegalArgumentException e) {
        var spec = new ImagePipelineWatchSpec();
        var path = e instanceof JsonMappingException m ? m.getPath() : java.util.List.<JsonMappingException.Reference>of();
        String field =
            path.stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        spec.setUnreadable(field.isEmpty() ? "spec cannot be read" : field + " holds a value this operator cannot read");
        return spec;
      }
    }
  }
}
