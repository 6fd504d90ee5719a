package dev.imagebuilder.operator.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code make run} as a newcomer sees it: the demo's main in its own process. The terminal shows
 * the hints and the summary only; every log line goes to the file it names.
 */
class DemoTerminalTest {

  /** A log line of the demo's (and the operator's) pattern: time, level, logger. */
  static final Pattern LOG_LINE = Pattern.compile("^\\d{2}:\\d{2}:\\d{2}\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) ");

  @TempDir Path dir;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void theTerminalKeepsToTheSummaryAndTheLogGoesToAFile() throws Exception {
    Path log = dir.resolve("demo").resolve("operator.log");
    var builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Demo.class.getName());
    builder.environment().put("DEMO_KUBE_PORT", "0");
    builder.environment().put("DEMO_KUBECONFIG", dir.resolve("kubeconfig").toString());
    builder.environment().put("DEMO_LOG", log.toString());
    builder.redirectErrorStream(true);
    Process demo = builder.start();
    List<String> terminal = new ArrayList<>();
    try (var out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
      // Until a summary shows both sample watches Ready (the test's own timeout ends a hang).
      int readyInARow = 0;
      for (String line = out.readLine(); line != null && readyInARow < 2; line = out.readLine()) {
        terminal.add(line);
        readyInARow = line.contains("Ready=True") ? readyInARow + 1 : 0;
      }
    } finally {
      demo.destroy();
      demo.waitFor(30, TimeUnit.SECONDS);
      demo.destroyForcibly();
    }

    assertThat(terminal).as("the terminal").contains("The operator's log: " + log);
    assertThat(terminal).as("the terminal").anySatisfy(line -> assertThat(line).contains("kubectl get ipw,ipe -n demo"));
    assertThat(terminal).as("the terminal").filteredOn(line -> line.contains("Ready=True")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(terminal).as("the terminal holds no log line").noneMatch(line -> LOG_LINE.matcher(line).find());
    assertThat(terminal).as("the terminal").noneMatch(line -> line.contains("unstable version"));
    List<String> logged = Files.readAllLines(log);
    assertThat(logged).as("the log file").anyMatch(line -> LOG_LINE.matcher(line).find() && line.contains("Synced "));
  }
}
