package dev.imagebuilder.operator.demo.kube;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DiscoveryTest {

  @Test
  void ordersVersionsByKubernetesPriority() {
    List<String> versions = new ArrayList<>(List.of("v1alpha1", "v1beta1", "v1", "v2beta1", "v2", "v1beta2", "foo"));
    versions.sort(Discovery::compareVersions);
    assertThat(versions).containsExactly("v2", "v1", "v2beta1", "v1beta2", "v1beta1", "v1alpha1", "foo");
  }
}
