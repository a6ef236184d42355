package dev.layerfs.cli.oci;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.layerfs.oci.store.StoreUsage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code layerfs df}: the store's disk usage, as {@code docker system df} shows it, and what sharing saves. */
@Command(name = "df", mixinStandardHelpOptions = true, description = {
    "Show the layer store's disk usage, as docker system df does.",
    "Also the space saved by sharing each layer among the images and containers that use it."})
public final class DfCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin StoreOptions store;
  @Mixin OutputOptions output;

  @Override
  public Integer call() throws IOException {
    StoreUsage u = store.open().usage();
    PrintWriter out = spec.commandLine().getOut();
    if (output.json) {
      ObjectNode o = OutputOptions.object();
      o.put("images", u.images());
      o.put("activeImages", u.activeImages());
      o.put("imageBytes", u.imageBytes());
      o.put("reclaimableImageBytes", u.reclaimableImageBytes());
      o.put("containers", u.containers());
      o.put("mountedContainers", u.mountedContainers());
      o.put("containerBytes", u.containerBytes());
      o.put("layers", u.layers());
      o.put("layerBytes", u.layerBytes());
      o.put("blobs", u.blobs());
      o.put("blobBytes", u.blobBytes());
      o.put("unsharedLayerBytes", u.unsharedLayerBytes());
      o.put("savedBytes", u.savedBytes());
      OutputOptions.print(out, o);
      return 0;
    }
    out.print(Sizes.table(List.of("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"), List.of(
        List.of("Images", "" + u.images(), "" + u.activeImages(), Sizes.human(u.imageBytes()),
            reclaimable(u.reclaimableImageBytes(), u.imageBytes())),
        List.of("Containers", "" + u.containers(), "" + u.mountedContainers(), Sizes.human(u.containerBytes()),
            reclaimable(u.containerBytes(), u.containerBytes())),
        List.of("Layers", "" + u.layers(), "", Sizes.human(u.layerBytes()), ""),
        List.of("Blobs", "" + u.blobs(), "", Sizes.human(u.blobBytes()), ""))));
    out.println();
    out.println("Sharing: " + u.images() + " images and " + u.containers() + " containers use "
        + Sizes.human(u.layerBytes()) + " of layers; with a copy each they would take "
        + Sizes.human(u.unsharedLayerBytes()) + " (" + Sizes.human(Math.max(0, u.savedBytes())) + " saved).");
    out.flush();
    return 0;
  }

  private static String reclaimable(long part, long whole) {
    return Sizes.human(part) + (whole == 0 ? "" : " (" + Math.round(100.0 * part / whole) + "%)");
  }
}
