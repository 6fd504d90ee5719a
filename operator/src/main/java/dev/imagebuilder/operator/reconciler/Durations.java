package dev.imagebuilder.operator.reconciler;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes-style durations such as 30s, 5m or 1h30m. */
public final class Durations {

  private static final Pattern FORMAT = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?$");

  private Durations() {}

  /** The duration, or an IllegalArgumentException naming the field and value when it is not one. */
  public static Duration parse(String field, String value) {
    Matcher m = value == null ? null : FORMAT.matcher(value);
    if (m == null || value.isEmpty() || !m.matches()) {
      throw new IllegalArgumentException(
          field + " " + (value == null ? "is missing" : "'" + value + "' is not a duration such as 30s, 5m or 1h30m"));
    }
    return Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3));
  }

  private static long group(Matcher m, int i) {
    return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
  }
}
