package dev.layerfs.cli.oci;

import dev.layerfs.oci.store.GcResult;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code layerfs gc}: removes what no image or container uses. */
@Command(name = "gc", mixinStandardHelpOptions = true, description = {
    "Remove the layers and blobs no image uses, and what interrupted commands left.",
    "Waits for running imports and commits to finish first."})
public final class GcCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin StoreOptions store;

  @Override
  public Integer call() throws IOException {
    GcResult result = store.open().gc();
    spec.commandLine().getOut().println("Removed " + result.layers() + " layers and " + result.blobs()
        + " blobs: " + Sizes.human(result.bytes()) + " freed");
    spec.commandLine().getOut().flush();
    return 0;
  }
}
