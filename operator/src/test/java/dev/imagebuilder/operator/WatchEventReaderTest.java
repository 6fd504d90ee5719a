package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import dev.imagebuilder.operator.api.ImagePipelineExecution;
import dev.imagebuilder.operator.api.ImagePipelineWatch;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WatchEventReaderTest {

  static final String MANAGED =
      """
      "managedFields":[{"manager":"image-pipeline-operator","operation":"Create","apiVersion":"ecs.imagebuilder.dev/v1alpha1",
        "time":"2026-12-06T05:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:a":{}}}}}]""";

  static final String CHILD =
      """
      {"apiVersion":"ecs.imagebuilder.dev/v1alpha1","kind":"ImagePipelineExecution",
       "metadata":{"name":"exec-1","namespace":"builds","resourceVersion":"42","labels":{"a":"b"},%s,
         "ownerReferences":[{"apiVersion":"ecs.imagebuilder.dev/v1alpha1","kind":"ImagePipelineWatch","name":"w","uid":"u-1","controller":true}]},
       "spec":{"regionId":"cn-hangzhou","imagePipelineId":"ip-1","executionId":"exec-1"},
       "status":{"phase":"SUCCESS","imageId":"m-1","tags":{"team":"a"},"conditions":[{"type":"Ready","status":"True","reason":"Succeeded",
         "lastTransitionTime":"2026-12-06T05:00:00Z"}]}}"""
          .formatted(MANAGED);

  /** The same object with its fields in another order: kind last, metadata first. */
  static final String CHILD_REORDERED =
      """
      {"metadata":{%s,"name":"exec-2","namespace":"builds"},"spec":{"executionId":"exec-2"},
       "kind":"ImagePipelineExecution","apiVersion":"ecs.imagebuilder.dev/v1alpha1"}"""
          .formatted(MANAGED);

  /**
   * Fabric8's reader with the same mix-in: what the operator's reader must give for every event,
   * save that it never builds a tree.
   */
  static KubernetesSerialization stock() {
    var mapper = new ObjectMapper();
    mapper.addMixIn(ObjectMeta.class, WithoutManagedFields.class);
    var serialization = new KubernetesSerialization(mapper, true);
    serialization.registerKubernetesResource(ImagePipelineExecution.class);
    serialization.registerKubernetesResource(ImagePipelineWatch.class);
    return serialization;
  }

  static KubernetesSerialization ours() {
    return KubernetesClients.serialization();
  }

  @JsonIgnoreProperties("managedFields")
  abstract static class WithoutManagedFields {}

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      a child, as the API server sends it                 | {"type":"ADDED","object":CHILD}
      its fields in another order, type last              | {"object":CHILD_REORDERED,"type":"MODIFIED"}
      a kind with no class: a generic resource            | {"type":"ADDED","object":{"apiVersion":"example.com/v1","kind":"Other","metadata":{"name":"o",MANAGED},"spec":{"a":1}}}
      no kind: a raw object                               | {"type":"ADDED","object":{"metadata":{"name":"o"},"a":[1,{"b":null}]}}
      a kind that is not a string                         | {"type":"ADDED","object":{"apiVersion":"example.com/v1","kind":7,"metadata":{"name":"o"}}}
      an error with a Status                              | {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version","reason":"Expired","code":410}}
      a bookmark                                          | {"type":"BOOKMARK","object":{"kind":"ImagePipelineExecution","apiVersion":"ecs.imagebuilder.dev/v1alpha1","metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}}
      no object                                           | {"type":"DELETED"}
      a null object                                       | {"type":"DELETED","object":null}
      a field Kubernetes may add one day                  | {"type":"ADDED","object":CHILD,"extra":{"a":["b"]}}
      empty                                               | {}
      """)
  void readsEveryEventAsFabric8Does(String what, String template) {
    String json = template.replace("CHILD_REORDERED", CHILD_REORDERED).replace("CHILD", CHILD).replace("MANAGED", MANAGED);

    WatchEvent expected = stock().unmarshal(json, WatchEvent.class);
    WatchEvent actual = ours().unmarshal(json, WatchEvent.class);

    assertThat(actual).isEqualTo(expected);
    if (actual.getObject() != null) {
      assertThat(actual.getObject()).isExactlyInstanceOf(expected.getObject().getClass());
    }
  }

  @Test
  void theOperatorsClientReadsWatchEventsWithIt() throws Exception {
    var mapper = new ObjectMapper();
    KubernetesClients.serialization(mapper);
    var context = ((DefaultDeserializationContext) mapper.getDeserializationContext()).createInstance(mapper.getDeserializationConfig(), null, null);

    assertThat(context.findRootValueDeserializer(mapper.constructType(WatchEvent.class))).isInstanceOf(WatchEventReader.class);
  }

  /** Fabric8 does not learn a custom kind from serving it: unregistered, each event would be bound twice. */
  @Test
  void theOperatorsKindsAreKnown() {
    var serialization = KubernetesClients.serialization();

    assertThat(serialization.getRegisteredKubernetesResource("ecs.imagebuilder.dev/v1alpha1", "ImagePipelineExecution"))
        .isEqualTo(ImagePipelineExecution.class);
    assertThat(serialization.getRegisteredKubernetesResource("ecs.imagebuilder.dev/v1alpha1", "ImagePipelineWatch"))
        .isEqualTo(ImagePipelineWatch.class);
  }

  @Test
  void aChildIsBoundToItsClassWithoutManagedFields() {
    WatchEvent event = ours().unmarshal("{\"type\":\"ADDED\",\"object\":" + CHILD + "}", WatchEvent.class);

    var child = (ImagePipelineExecution) event.getObject();
    assertThat(child.getMetadata().getManagedFields()).isEmpty();
    assertThat(child.getMetadata().getAdditionalProperties()).isEmpty();
    assertThat(child.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> assertThat(o.getUid()).isEqualTo("u-1"));
    assertThat(child.getStatus().getImageId()).isEqualTo("m-1");
    assertThat(child.getStatus().getTags()).containsEntry("team", "a");
  }

  @Test
  void anErrorCarriesItsStatus() {
    WatchEvent event = ours().unmarshal(
        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"code\":410,\"reason\":\"Expired\"}}", WatchEvent.class);

    assertThat(event.getObject()).isInstanceOfSatisfying(Status.class, s -> assertThat(s.getCode()).isEqualTo(410));
  }

  @Test
  void aKindWithNoClassIsGeneric() {
    WatchEvent event = ours().unmarshal(
        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"example.com/v1\",\"kind\":\"Other\",\"metadata\":{\"name\":\"o\"}}}", WatchEvent.class);

    assertThat(event.getObject()).isInstanceOf(GenericKubernetesResource.class);
  }

  @Test
  void anEventThatIsNotAnObjectIsRefusedAsBefore() {
    assertThatThrownBy(() -> stock().unmarshal("[1]", WatchEvent.class)).isInstanceOf(KubernetesClientException.class);
    assertThatThrownBy(() -> ours().unmarshal("[1]", WatchEvent.class)).isInstanceOf(KubernetesClientException.class);
  }
}
