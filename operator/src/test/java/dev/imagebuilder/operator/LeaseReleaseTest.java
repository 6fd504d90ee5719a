package dev.imagebuilder.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class LeaseReleaseTest {

  static final OperatorConfig.LeaderElection ELECTION = new OperatorConfig.LeaderElection("ipo", "ops", "pod-a");

  KubernetesClient client;

  @Test
  void theHolderEmptiesItsLeaseSoAStandbyNeedNotWaitForItToExpire() {
    create("pod-a");
    ImagePipelineOperator.releaseLease(client, ELECTION);
    var spec = lease().getSpec();
    assertThat(spec.getHolderIdentity()).isNull();
    assertThat(spec.getLeaseDurationSeconds()).isEqualTo(1);
    assertThat(spec.getLeaseTransitions()).as("kept").isEqualTo(3);
  }

  @Test
  void aLeaseAnotherReplicaHoldsIsLeftAlone() {
    create("pod-b");
    ImagePipelineOperator.releaseLease(client, ELECTION);
    assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("pod-b");
    assertThat(lease().getSpec().getLeaseDurationSeconds()).isEqualTo(15);
  }

  @Test
  void noLeaseIsNothingToRelease() {
    ImagePipelineOperator.releaseLease(client, ELECTION);
    assertThat(lease()).isNull();
  }

  void create(String holder) {
    var now = ZonedDateTime.now();
    client.resource(new LeaseBuilder().withNewMetadata().withName("ipo").withNamespace("ops").endMetadata()
        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15).withLeaseTransitions(3)
        .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
  }

  Lease lease() {
    return client.leases().inNamespace("ops").withName("ipo").get();
  }
}
