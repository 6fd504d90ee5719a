package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Kubernetes label selector with both equality-based ({@code a=b}, {@code a==b}, {@code a!=b}) and
 * set-based ({@code a in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}) requirements.
 * The CRUD mock only understands the equality forms and silently ignores the others, which makes
 * {@code kubectl get -l 'a in (x,y)'} return everything; the API layer filters with this instead.
 */
final class LabelSelector {

  private static final String KEY = "([A-Za-z0-9][-A-Za-z0-9_./]*)";
  private static final Pattern SET = Pattern.compile(KEY + "\\s+(in|notin)\\s*\\(([^)]*)\\)");
  private static final Pattern EQUALITY = Pattern.compile(KEY + "\\s*(==|=|!=)\\s*([-A-Za-z0-9_.]*)");
  private static final Pattern EXISTS = Pattern.compile("(!?)\\s*" + KEY);

  private final List<Predicate<JsonNode>> requirements;

  private LabelSelector(List<Predicate<JsonNode>> requirements) {
    this.requirements = requirements;
  }

  static LabelSelector parse(String selector) {
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String requirement : splitTopLevel(selector)) {
      String r = requirement.trim();
      if (r.isEmpty()) {
        continue;
      }
      Matcher m = SET.matcher(r);
      if (m.matches()) {
        String key = m.group(1);
        Set<String> values = Arrays.stream(m.group(3).split(",")).map(String::trim).collect(Collectors.toSet());
        boolean in = m.group(2).equals("in");
        requirements.add(labels -> in
            ? labels.has(key) && values.contains(labels.get(key).asText())
            : !labels.has(key) || !values.contains(labels.get(key).asText()));
        continue;
      }
      m = EQUALITY.matcher(r);
      if (m.matches()) {
        String key = m.group(1);
        String value = m.group(3);
        boolean equal = !m.group(2).equals("!=");
        requirements.add(labels -> equal
            ? labels.has(key) && labels.get(key).asText().equals(value)
            : !labels.has(key) || !labels.get(key).asText().equals(value));
        continue;
      }
      m = EXISTS.matcher(r);
      if (m.matches()) {
        String key = m.group(2);
        boolean negated = !m.group(1).isEmpty();
        requirements.add(labels -> negated != labels.has(key));
        continue;
      }
      throw new IllegalArgumentException("unable to parse requirement: " + r);
    }
    return new LabelSelector(requirements);
  }

  /** Whether an object (its {@code metadata.labels}) satisfies every requirement. */
  boolean matches(JsonNode object) {
    JsonNode labels = object.path("metadata").path("labels");
    JsonNode map = labels.isObject() ? labels : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    return requirements.stream().allMatch(r -> r.test(map));
  }

  private static List<String> splitTopLevel(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    StringBuilder current = new StringBuilder();
    for (char c : selector.toCharArray()) {
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        parts.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    parts.add(current.toString());
    return parts;
  }
}
