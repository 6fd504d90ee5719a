package dev.imagebuilder.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcsViewTest {

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
      as ECS sends it              | 2026-12-07T01:02:03Z          | 2026-12-07T01:02:03Z
      the first second             | 0000-01-01T00:00:00Z          | 0000-01-01T00:00:00Z
      the last second of a year    | 2026-12-31T23:59:59Z          | 2026-12-31T23:59:59Z
      the 29th of February, leap   | 2024-02-29T12:00:00Z          | 2024-02-29T12:00:00Z
      the 29th of February, common | 2026-02-29T12:00:00Z          | NULL
      the 29th of February, 1900   | 1900-02-29T12:00:00Z          | NULL
      the 29th of February, 2000   | 2000-02-29T12:00:00Z          | 2000-02-29T12:00:00Z
      the 31st of April            | 2026-04-31T12:00:00Z          | NULL
      month 13                     | 2026-13-01T00:00:00Z          | NULL
      month 0                      | 2026-00-01T00:00:00Z          | NULL
      day 0                        | 2026-01-00T00:00:00Z          | NULL
      hour 24, the end of the day  | 2026-01-01T24:00:00Z          | 2026-01-02T00:00:00Z
      minute 60                    | 2026-01-01T23:60:00Z          | NULL
      a leap second                | 2016-12-31T23:59:60Z          | 2016-12-31T23:59:59Z
      fractions of a second        | 2026-12-07T01:02:03.456Z      | 2026-12-07T01:02:03.456Z
      an offset                    | 2026-12-07T09:02:03+08:00     | 2026-12-07T01:02:03Z
      a space for the T            | 2026-12-07 01:02:03Z          | NULL
      a sign in a field            | 2026-+1-07T01:02:03Z          | NULL
      letters for digits           | 2026-1a-07T01:02:03Z          | NULL
      no zone                      | 2026-12-07T01:02:03           | NULL
      a date only                  | 2026-12-07                    | NULL
      empty                        | ''                            | NULL
      none                         | NULL                          | NULL
      """)
  void readsTheTimesEcsSends(String what, String time, String expected) {
    assertThat(EcsView.instant(time)).isEqualTo(expected == null ? null : Instant.parse(expected));
  }

  @Test
  void readsEveryWholeSecondInUtcAsInstantParseDoes() {
    var random = new Random(7);
    for (int i = 0; i < 100_000; i++) {
      var time = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 253_402_300_800L));
      assertThat(EcsView.instant(time.toString())).isEqualTo(time);
    }
  }

  @Test
  void agreesWithInstantParseOnNearMisses() {
    var random = new Random(11);
    char[] alphabet = "0123456789-T:Z+. ".toCharArray();
    for (int i = 0; i < 100_000; i++) {
      char[] time = "2024-02-29T23:59:59Z".toCharArray();
      time[random.nextInt(time.length)] = alphabet[random.nextInt(alphabet.length)];
      var text = new String(time);
      assertThat(EcsView.instant(text)).as(text).isEqualTo(parsed(text));
    }
  }

  private static Instant parsed(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
