package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChildNamesTest {

  static Stream<Arguments> listings() {
    return Stream.of(
        // listed IDs, remembered collisions, owners by name, collisions (name=IDs), invalid
        Arguments.of(List.of("exec-1", "exec-2"), Map.of(), Map.of("exec-1", "exec-1", "exec-2", "exec-2"), Map.of(), List.of()),
        Arguments.of(List.of("Exec-A"), Map.of(), Map.of("exec-a", "Exec-A"), Map.of(), List.of()),
        Arguments.of(List.of("exec-a", "Exec-A"), Map.of(), Map.of("exec-a", "Exec-A"),
            Map.of("exec-a", List.of("Exec-A", "exec-a")), List.of()),
        Arguments.of(List.of("EXEC-A", "exec-a", "Exec-A"), Map.of(), Map.of("exec-a", "EXEC-A"),
            Map.of("exec-a", List.of("EXEC-A", "Exec-A", "exec-a")), List.of()),
        Arguments.of(List.of("exec-a", "Exec_A", "exec-b"), Map.of(), Map.of("exec-a", "exec-a", "exec-b", "exec-b"), Map.of(),
            List.of("Exec_A")),
        // A poll of running executions sees only one of them: the one remembered still owns the name.
        Arguments.of(List.of("exec-a"), Map.of("exec-a", List.of("Exec-A", "exec-a")), Map.of("exec-a", "Exec-A"),
            Map.of("exec-a", List.of("Exec-A", "exec-a")), List.of()),
        // Remembered collisions of names this poll did not list add no names.
        Arguments.of(List.of("exec-b"), Map.of("exec-a", List.of("Exec-A", "exec-a")), Map.of("exec-b", "exec-b"), Map.of(),
            List.of()));
  }

  @ParameterizedTest
  @MethodSource("listings")
  void eachNameHasOneOwnerWhateverTheListingOrder(
      List<String> listed, Map<String, List<String>> remembered, Map<String, String> owners, Map<String, List<String>> collisions,
      List<String> invalid) {
    Map<String, ChildNames.Collision> known = new java.util.HashMap<>();
    remembered.forEach((name, ids) -> known.put(name, new ChildNames.Collision(name, ids)));
    List<String> reversed = new ArrayList<>(listed);
    Collections.reverse(reversed);
    for (List<String> order : List.of(listed, reversed)) {
      var assigned = ChildNames.assign(order, known);
      assertThat(assigned.owners()).isEqualTo(owners);
      assertThat(assigned.collisions()).hasSize(collisions.size());
      collisions.forEach((name, ids) -> assertThat(assigned.collisions().get(name).executionIds()).isEqualTo(ids));
      assertThat(assigned.invalid()).containsExactlyInAnyOrderElementsOf(invalid);
      owners.values().forEach(id -> assertThat(assigned.owns(id)).isTrue());
      assertThat(assigned.unowned()).noneMatch(owners::containsValue)
          .hasSize(collisions.values().stream().mapToInt(ids -> ids.size() - 1).sum());
    }
  }
}
