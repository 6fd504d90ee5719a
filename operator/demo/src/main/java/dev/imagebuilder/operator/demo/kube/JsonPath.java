package dev.imagebuilder.operator.demo.kube;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * The subset of Kubernetes JSONPath that CRD {@code additionalPrinterColumns} use: dotted fields
 * (with {@code \.} escapes), {@code ['quoted']} keys, {@code [n]} indices, {@code [*]} / {@code .*}
 * wildcards, {@code ..name} recursive descent and {@code [?(@.a.b == "x")]} filters
 * ({@code == != < <= > >=} or bare existence). An optional {@code {...}} wrapper is accepted.
 */
final class JsonPath {

  private final List<Function<List<JsonNode>, List<JsonNode>>> steps;

  private JsonPath(List<Function<List<JsonNode>, List<JsonNode>>> steps) {
    this.steps = steps;
  }

  static JsonPath compile(String expression) {
    String e = expression.trim();
    if (e.startsWith("{") && e.endsWith("}")) {
      e = e.substring(1, e.length() - 1).trim();
    }
    if (e.startsWith("$")) {
      e = e.substring(1);
    }
    return new JsonPath(new Parser(e).parse());
  }

  /** All nodes the path selects; empty when nothing matches (a real server then prints {@code <none>}). */
  List<JsonNode> evaluate(JsonNode root) {
    List<JsonNode> current = List.of(root);
    for (Function<List<JsonNode>, List<JsonNode>> step : steps) {
      current = step.apply(current);
      if (current.isEmpty()) {
        break;
      }
    }
    List<JsonNode> result = new ArrayList<>();
    for (JsonNode n : current) {
      if (n != null && !n.isMissingNode()) {
        result.add(n);
      }
    }
    return result;
  }

  static List<JsonNode> evaluate(String expression, JsonNode root) {
    return compile(expression).evaluate(root);
  }

  private static Function<List<JsonNode>, List<JsonNode>> field(String name) {
    return nodes -> {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (n.isObject() && n.has(name)) {
          out.add(n.get(name));
        }
      }
      return out;
    };
  }

  private static Function<List<JsonNode>, List<JsonNode>> wildcard() {
    return nodes -> {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (n.isContainerNode()) {
          n.elements().forEachRemaining(out::add);
        }
      }
      return out;
    };
  }

  private static Function<List<JsonNode>, List<JsonNode>> index(int i) {
    return nodes -> {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        if (n.isArray()) {
          int at = i < 0 ? n.size() + i : i;
          if (at >= 0 && at < n.size()) {
            out.add(n.get(at));
          }
        }
      }
      return out;
    };
  }

  private static Function<List<JsonNode>, List<JsonNode>> recursive(String name) {
    return nodes -> {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        collect(n, name, out);
      }
      return out;
    };
  }

  private static void collect(JsonNode n, String name, List<JsonNode> out) {
    if (n.isObject()) {
      if (name.equals("*")) {
        n.elements().forEachRemaining(out::add);
      } else if (n.has(name)) {
        out.add(n.get(name));
      }
    }
    for (Iterator<JsonNode> it = n.elements(); it.hasNext();) {
      collect(it.next(), name, out);
    }
  }

  private static Function<List<JsonNode>, List<JsonNode>> filter(JsonPath left, String op, JsonNode literal) {
    return nodes -> {
      List<JsonNode> out = new ArrayList<>();
      for (JsonNode n : nodes) {
        List<JsonNode> candidates = new ArrayList<>();
        if (n.isArray()) {
          n.elements().forEachRemaining(candidates::add);
        } else {
          candidates.add(n);
        }
        for (JsonNode c : candidates) {
          List<JsonNode> values = left.evaluate(c);
          if (op == null ? !values.isEmpty() : values.stream().anyMatch(v -> compare(v, op, literal))) {
            out.add(c);
          }
        }
      }
      return out;
    };
  }

  private static boolean compare(JsonNode value, String op, JsonNode literal) {
    int cmp;
    if (value.isNumber() && literal.isNumber()) {
      cmp = Double.compare(value.asDouble(), literal.asDouble());
    } else if (value.isBoolean() && literal.isBoolean()) {
      cmp = Boolean.compare(value.asBoolean(), literal.asBoolean());
    } else {
      cmp = value.asText().compareTo(literal.asText());
    }
    switch (op) {
      case "==":
        return cmp == 0;
      case "!=":
        return cmp != 0;
      case "<":
        return cmp < 0;
      case "<=":
        return cmp <= 0;
      case ">":
        return cmp > 0;
      case ">=":
        return cmp >= 0;
      default:
        throw new IllegalArgumentException("unsupported operator " + op);
    }
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    List<Function<List<JsonNode>, List<JsonNode>>> parse() {
      List<Function<List<JsonNode>, List<JsonNode>>> steps = new ArrayList<>();
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '.') {
          pos++;
          if (pos < s.length() && s.charAt(pos) == '.') {
            pos++;
            steps.add(recursive(name()));
          } else if (pos < s.length() && s.charAt(pos) == '*') {
            pos++;
            steps.add(wildcard());
          } else if (pos < s.length() && s.charAt(pos) != '[') {
            steps.add(field(name()));
          }
        } else if (c == '[') {
          steps.add(bracket());
        } else if (c == '@') {
          pos++; // current node inside a filter
        } else {
          steps.add(field(name()));
        }
      }
      return steps;
    }

    private String name() {
      StringBuilder b = new StringBuilder();
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '\\' && pos + 1 < s.length()) {
          b.append(s.charAt(pos + 1));
          pos += 2;
        } else if (c == '.' || c == '[') {
          break;
        } else {
          b.append(c);
          pos++;
        }
      }
      return b.toString();
    }

    private Function<List<JsonNode>, List<JsonNode>> bracket() {
      int close = matching(pos);
      String inner = s.substring(pos + 1, close).trim();
      pos = close + 1;
      if (inner.equals("*")) {
        return wildcard();
      }
      if (inner.startsWith("?")) {
        String cond = inner.substring(1).trim();
        if (cond.startsWith("(") && cond.endsWith(")")) {
          cond = cond.substring(1, cond.length() - 1).trim();
        }
        return parseFilter(cond);
      }
      if ((inner.startsWith("'") && inner.endsWith("'")) || (inner.startsWith("\"") && inner.endsWith("\""))) {
        return field(inner.substring(1, inner.length() - 1));
      }
      return index(Integer.parseInt(inner));
    }

    private int matching(int open) {
      int depth = 0;
      char quote = 0;
      for (int i = open; i < s.length(); i++) {
        char c = s.charAt(i);
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          }
        } else if (c == '\'' || c == '"') {
          quote = c;
        } else if (c == '[') {
          depth++;
        } else if (c == ']') {
          depth--;
          if (depth == 0) {
            return i;
          }
        }
      }
      throw new IllegalArgumentException("unclosed [ in JSONPath " + s);
    }

    private static Function<List<JsonNode>, List<JsonNode>> parseFilter(String cond) {
      String[] ops = { "==", "!=", "<=", ">=", "<", ">" };
      int at = -1;
      String op = null;
      char quote = 0;
      for (int i = 0; i < cond.length() && op == null; i++) {
        char c = cond.charAt(i);
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          }
          continue;
        }
        if (c == '\'' || c == '"') {
          quote = c;
          continue;
        }
        for (String candidate : ops) {
          if (cond.startsWith(candidate, i)) {
            op = candidate;
            at = i;
            break;
          }
        }
      }
      if (op == null) {
        return filter(JsonPath.compile(cond), null, null);
      }
      JsonPath left = JsonPath.compile(cond.substring(0, at).trim());
      return filter(left, op, literal(cond.substring(at + op.length()).trim()));
    }

    private static JsonNode literal(String text) {
      var factory = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
      if ((text.startsWith("'") && text.endsWith("'")) || (text.startsWith("\"") && text.endsWith("\""))) {
        return factory.textNode(text.substring(1, text.length() - 1));
      }
      if (text.equals("true") || text.equals("false")) {
        return factory.booleanNode(Boolean.parseBoolean(text));
      }
      try {
        return factory.numberNode(Double.parseDouble(text));
      } catch (NumberFormatException e) {
        return factory.textNode(text);
      }
    }
  }
}
