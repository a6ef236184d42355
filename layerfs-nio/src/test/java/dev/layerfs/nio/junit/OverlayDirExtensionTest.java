package dev.layerfs.nio.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** What {@link OverlayDir} gives a test, run through the JUnit engine as a user's tests would run. */
class OverlayDirExtensionTest {
  private static final Path FIXTURE = Path.of("src/test/resources/overlaydir-fixture");

  private static EngineExecutionResults run(Class<?> tests) {
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(tests)).execute();
  }

  @Test
  void eachTestGetsAFreshCopyOnWriteViewOfTheFixture() throws IOException {
    String before = snapshot(FIXTURE);
    List<Path> earlier = leftovers("writesWithoutTouchingTheFixture");
    EngineExecutionResults results = run(UsesViews.class);
    results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3).failed(0));
    assertEquals(before, snapshot(FIXTURE), "the fixture is never written");
    assertEquals(earlier, leftovers("writesWithoutTouchingTheFixture"), "passed tests leave nothing behind");
  }

  @Test
  void aFailedTestKeepsItsLayersAndSaysWhere() throws IOException {
    EngineExecutionResults results = run(FailsAfterWriting.class);
    results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
    List<String> kept = results.allEvents().reportingEntryPublished().stream()
        .flatMap(e -> e.getPayload(ReportEntry.class).stream())
        .map(entry -> entry.getKeyValuePairs().get("layerfs.kept")).toList();
    assertEquals(1, kept.size());
    Path temp = Path.of(kept.getFirst());
    try {
      assertEquals("evidence", Files.readString(temp.resolve("upper/etc/app.conf")));
      assertFalse(Files.exists(temp.resolve("upper/data")), "nothing but the change is in the upper layer");
    } finally {
      try (Stream<Path> walk = Files.walk(temp)) {
        for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  @Test
  void refusesStaticFieldsAndOtherTypes() {
    run(StaticField.class).testEvents().assertStatistics(stats -> stats.failed(1));
    run(WrongType.class).testEvents().assertStatistics(stats -> stats.failed(1));
    run(MissingFixture.class).testEvents().assertStatistics(stats -> stats.failed(1));
  }

  private static String snapshot(Path dir) throws IOException {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted().toList()) {
        out.append(dir.relativize(p)).append(' ').append(Files.getLastModifiedTime(p)).append(' ')
            .append(Files.isRegularFile(p) ? Files.readString(p) : "").append('\n');
      }
    }
    return out.toString();
  }

  private static List<Path> leftovers(String method) throws IOException {
    try (Stream<Path> list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return list.filter(p -> p.getFileName().toString().startsWith("layerfs-" + method + "-")).sorted().toList();
    }
  }

  // ---------------------------------------------------------------- the tests run above

  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class UsesViews {
    @OverlayDir("src/test/resources/overlaydir-fixture")
    Path root;

    @Test
    void aSecondTestSeesNoneOfTheFirstOnesChanges() throws IOException {
      assertFalse(Files.exists(root.resolve("created.txt")));
      assertEquals("mode=production\n", Files.readString(root.resolve("etc/app.conf")));
      Files.writeString(root.resolve("created.txt"), "mine");
    }

    @Test
    void takesParametersFromTheClassPathToo(@OverlayDir("classpath:overlaydir-fixture") FileSystem fs)
        throws IOException {
      assertEquals("alpha\n", Files.readString(fs.getPath("/data/a.txt")));
      assertFalse(Files.exists(fs.getPath("/created.txt")));
      Files.delete(fs.getPath("/data/a.txt"));
      assertFalse(Files.exists(fs.getPath("/data/a.txt")));
      assertTrue(Files.exists(root.resolve("data/a.txt")), "two views of one fixture are independent");
    }

    @Test
    void writesWithoutTouchingTheFixture() throws IOException {
      assertFalse(Files.exists(root.resolve("created.txt")));
      Files.writeString(root.resolve("etc/app.conf"), "mode=test\n");
      Files.writeString(root.resolve("created.txt"), "mine");
      Files.delete(root.resolve("data/b.txt"));
      assertEquals("mode=test\n", Files.readString(root.resolve("etc/app.conf")));
      String marker = "marker-" + System.nanoTime();
      Files.createFile(root.resolve(marker));
      List<Path> mine = leftovers("writesWithoutTouchingTheFixture").stream()
          .filter(t -> Files.exists(t.resolve("upper").resolve(marker))).toList();
      assertEquals(1, mine.size(), "this view's upper layer");
      Path upper = mine.getFirst().resolve("upper");
      try (Stream<Path> walk = Files.walk(upper)) {
        assertEquals(List.of("", "created.txt", "data", "data/b.txt", "etc", "etc/app.conf", marker),
            walk.map(p -> upper.relativize(p).toString()).sorted().toList(),
            "only what changed is in the upper layer: the fixture is not copied");
      }
    }
  }

  static class FailsAfterWriting {
    @Test
    void fails(@OverlayDir("src/test/resources/overlaydir-fixture") Path root) throws IOException {
      Files.writeString(root.resolve("etc/app.conf"), "evidence");
      throw new AssertionError("failing on purpose");
    }
  }

  static class StaticField {
    @OverlayDir("src/test/resources/overlaydir-fixture")
    static Path root;

    @Test
    void neverRuns() {}
  }

  static class WrongType {
    @Test
    void neverRuns(@OverlayDir("src/test/resources/overlaydir-fixture") String root) {}
  }

  static class MissingFixture {
    @Test
    void neverRuns(@OverlayDir("src/test/resources/no-such-fixture") Path root) {}
  }
}
