package dev.imagebuilder.operator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The system clock plus an offset a test can move: forward in time, or to just before a minute ends. */
public final class MutableClock extends Clock {

  private volatile long offsetMillis;

  public void advance(Duration by) {
    offsetMillis += by.toMillis();
  }

  /** Moves "now" to half a second before the next minute boundary, where ECS throttling windows end. */
  public void nearMinuteEnd() {
    long now = System.currentTimeMillis() + offsetMillis;
    offsetMillis += 59_500 - Math.floorMod(now, 60_000);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(System.currentTimeMillis() + offsetMillis);
  }
}
