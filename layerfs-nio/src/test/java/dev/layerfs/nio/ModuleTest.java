package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module descriptor works: on the module path, with nothing else, the JDK finds the provider through
 * {@code provides}, and a program in the module opens a view by URI. (The other tests run on the class path, where
 * {@code META-INF/services} does the same.)
 */
class ModuleTest {
  @TempDir Path tmp;

  /** The layerfs modules on this test's class path (directories or jars with a module descriptor). */
  private static List<Path> layerfsModules() {
    List<Path> modules = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      boolean hasDescriptor = Files.isDirectory(p) ? Files.exists(p.resolve("module-info.class"))
          : entry.endsWith(".jar");
      if (!hasDescriptor) {
        continue;
      }
      for (ModuleReference ref : ModuleFinder.of(p).findAll()) {
        ModuleDescriptor d = ref.descriptor();
        if (!d.isAutomatic() && d.name().startsWith("dev.layerfs.")) {
          modules.add(p);
        }
      }
    }
    return modules;
  }

  @Test
  void declaresTheProviderAndItsExports() {
    ModuleDescriptor nio = ModuleFinder.of(layerfsModules().toArray(Path[]::new)).find("dev.layerfs.nio")
        .orElseThrow().descriptor();
    assertEquals(List.of("dev.layerfs.nio.OverlayFileSystemProvider"), nio.provides().stream()
        .filter(p -> p.service().equals("java.nio.file.spi.FileSystemProvider")).findFirst().orElseThrow()
        .providers());
    assertEquals(Set.of("dev.layerfs.nio", "dev.layerfs.nio.junit"),
        Set.copyOf(nio.exports().stream().map(ModuleDescriptor.Exports::source).toList()));
  }

  @Test
  void runsTheTutorialOnTheModulePath() throws IOException, InterruptedException {
    List<Path> modules = layerfsModules();
    assertEquals(3, modules.size(), "posix, core and nio: " + modules);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String modulePath = String.join(File.pathSeparator, modules.stream().map(Path::toString).toList());
    Process process = new ProcessBuilder(java, "--module-path", modulePath, "--enable-native-access=dev.layerfs.posix",
        "-m", "dev.layerfs.nio/dev.layerfs.nio.example.TutorialExample", tmp.resolve("playground").toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile()).start();
    boolean ended = process.waitFor(60, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly().waitFor();
    }
    String out = Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8);
    assertTrue(ended, "the program ends: " + out);
    assertEquals(0, process.exitValue(), out);
    assertTrue(out.contains("file1.txt  (c--------- 0,0: a whiteout hiding the lower file)"), out);
    assertTrue(Files.exists(tmp.resolve("playground/upper/file2.txt")));
  }
}
