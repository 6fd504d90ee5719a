package dev.imagebuilder.operator.e2e;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The install steps of the README's "Install from the release", the shell block between
 * {@code <!-- release-install:begin -->} and {@code <!-- release-install:end -->}: what a platform
 * team runs in a release's directory. The block opens with the variables the user sets
 * ({@code NAME=value  # what it is}, one a line, up to the first line that is not one); a test runs
 * the block with its own values for some of them and every other line exactly as written.
 */
record ReleaseInstallSteps(List<String> lines, Map<String, String> declared) {

  static final String BEGIN = "<!-- release-install:begin -->";
  static final String END = "<!-- release-install:end -->";
  private static final Pattern VARIABLE = Pattern.compile("^([A-Z][A-Z0-9_]*)=(\\S*)(\\s+#.*)?$");

  /**
   * The block of a README's text. Refused, naming what is wrong: no markers or more than one pair,
   * markers in the wrong order, no fenced block between them, or a block that declares no variable.
   */
  static ReleaseInstallSteps of(String readme) {
    int begin = readme.indexOf(BEGIN);
    int end = readme.indexOf(END);
    if (begin < 0 || end < 0) {
      throw new IllegalArgumentException("the README has no " + (begin < 0 ? BEGIN : END));
    }
    if (readme.indexOf(BEGIN, begin + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
      throw new IllegalArgumentException("the README has more than one " + BEGIN + " ... " + END);
    }
    if (end < begin) {
      throw new IllegalArgumentException(END + " comes before " + BEGIN);
    }
    List<String> inside = readme.substring(begin + BEGIN.length(), end).strip().lines().toList();
    if (inside.size() < 2 || !inside.get(0).startsWith("```") || !inside.get(inside.size() - 1).equals("```")) {
      throw new IllegalArgumentException("between " + BEGIN + " and " + END + " there must be one fenced code block");
    }
    List<String> lines = inside.subList(1, inside.size() - 1);
    Map<String, String> declared = new LinkedHashMap<>();
    for (String line : lines) {
      var m = VARIABLE.matcher(line);
      if (!m.matches()) {
        break;
      }
      declared.put(m.group(1), m.group(2));
    }
    if (declared.isEmpty()) {
      throw new IllegalArgumentException("the install block declares no variables (NAME=value lines at its top)");
    }
    return new ReleaseInstallSteps(List.copyOf(lines), Collections.unmodifiableMap(declared));
  }

  /**
   * The block as a script with {@code values} for some of its declared variables (single-quoted for
   * the shell) and every other line as written; the other variables keep the README's values. A
   * value for a variable the block does not declare is refused: the test would set what the user
   * cannot.
   */
  String script(Map<String, String> values) {
    for (String name : values.keySet()) {
      if (!declared.containsKey(name)) {
        throw new IllegalArgumentException("the install block declares no variable " + name + " (it declares " + declared.keySet() + ")");
      }
    }
    List<String> out = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      var m = VARIABLE.matcher(line);
      if (i < declared.size() && m.matches() && values.containsKey(m.group(1))) {
        out.add(m.group(1) + "=" + shellQuote(values.get(m.group(1))) + (m.group(3) == null ? "" : m.group(3)));
      } else {
        out.add(line);
      }
    }
    return String.join("\n", out) + "\n";
  }

  static String shellQuote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
