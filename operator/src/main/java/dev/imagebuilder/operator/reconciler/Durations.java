package dev.imagebuilder.operator.reconciler;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes-style durations such as 30s, 5m or 1h30m. */
public final class Durations {

  private static final Pattern FORMAT = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$");

  private Durations() {}

  /**
   * The duration, or an IllegalArgumentException naming the field and value when it is not one.
   * A number of more than 15 digits is refused, so no value, however long, overflows.
   */
  public static Duration parse(String field, String value) {
    Matcher m = value == null ? null : FORMAT.matcher(value);
    if (m == null || value.isEmpty() || !m.matches()) {
      String shown = value == null || value.length() <= 40 ? value : value.substring(0, 37) + "...";
      throw new IllegalArgumentException(
          field + " " + (value == null ? "is missing" : "'" + shown + "' is not a duration such as 30s, 5m or 1h30m"));
    }
    for (int i = 1; i <= 3; i++) {
      if (m.group(i) != null && m.group(i).length() > MAX_DIGITS) {
        throw new IllegalArgumentException(field + " " + value + " is longer than any duration this operator accepts");
      }
    }
    return Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
  }

  /** No number of more digits fits a Duration once turned into seconds. */
  private static final int MAX_DIGITS = 15;

  /** The shortest text {@link #parse} reads back as {@code d}, such as 1h30m or 10s. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (d.toHours() > 0) {
      out.append(d.toHours()).append('h');
    }
    if (d.toMinutesPart() > 0) {
      out.append(d.toMinutesPart()).append('m');
    }
    if (d.toSecondsPart() > 0) {
      out.append(d.toSecondsPart()).append('s');
    }
    return out.toString();
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }
}
