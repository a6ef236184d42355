package dev.layerfs.cli.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code layerfs} command itself: help, names and misspelt names, whichever subcommands a line builds. */
class TopLevelCommandTest {
  private static final List<String> SUBCOMMANDS = List.of("tutorial", "mount", "umount", "status",
      "install-mount-helper", "layer", "image", "container", "ps", "commit", "pull", "push", "login", "logout", "df",
      "gc", "help");

  @Test
  void helpListsEverySubcommand() {
    Cli.Run help = Cli.raw("--help");
    assertEquals(0, help.exit(), help.err());
    for (String name : SUBCOMMANDS) {
      assertTrue(help.out().matches("(?s).*\n  " + name + "[ ,].*"), name + " missing from:\n" + help.out());
    }
  }

  @Test
  void theVersionNeedsNoSubcommand() {
    Cli.Run version = Cli.raw("--version");
    assertEquals(0, version.exit(), version.err());
    assertTrue(version.out().startsWith("layerfs "), version.out());
  }

  @Test
  void theHelpSubcommandShowsTheUsageOfAnother() {
    Cli.Run help = Cli.raw("help", "push");
    assertEquals(0, help.exit(), help.err());
    assertTrue(help.out().startsWith("Usage: layerfs push "), help.out());
  }

  @Test
  void anAliasNamesItsSubcommand() {
    Cli.Run incomplete = Cli.raw("unmount");
    assertEquals(2, incomplete.exit(), incomplete.err());
    assertTrue(incomplete.err().startsWith("Missing required parameter: 'MOUNTPOINT'\nUsage: layerfs umount "),
        incomplete.err());
  }

  @Test
  void aMisspeltSubcommandIsAnErrorThatSuggestsTheNearest() {
    Cli.Run wrong = Cli.raw("pusj", "image");
    assertNotEquals(0, wrong.exit());
    assertTrue(wrong.err().contains("Unmatched argument at index 0: 'pusj'"), wrong.err());
    assertTrue(wrong.err().contains("Did you mean: layerfs push"), wrong.err());
  }
}
