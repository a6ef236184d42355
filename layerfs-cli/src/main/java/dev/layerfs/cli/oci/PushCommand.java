package dev.layerfs.cli.oci;

import dev.layerfs.oci.image.Digest;
import dev.layerfs.oci.image.ImageReference;
import dev.layerfs.oci.registry.PendingClient;
import dev.layerfs.oci.store.LayerStore;
import dev.layerfs.oci.store.StoredImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layerfs push}: an image of the store to a registry, as {@code docker push}; prints the manifest digest. */
@Command(name = "push", mixinStandardHelpOptions = true, description = {
    "Push an image of the store to a registry; prints its manifest digest.",
    "Blobs the repository has are not sent; blobs an image in the store is named",
    "after in another repository of the registry are mounted from there. Layers",
    "go as the store keeps them, so the image keeps its digest."})
public final class PushCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin StoreOptions store;
  @Mixin ProgressOptions progress;
  @Mixin RegistryOptions registry;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "The image: a name, an ID or a manifest digest.")
  String image;

  @Parameters(index = "1", arity = "0..1", paramLabel = "REF",
      description = "Where to push it, [REGISTRY/]REPOSITORY[:TAG] (default: IMAGE, when it is a name).")
  String reference;

  @Override
  public Integer call() throws IOException {
    ImageReference target = ImageReference.parse(reference != null ? reference : image);
    Digest digest;
    try (PendingClient client = registry.connect(target)) {
      LayerStore s = store.open();
      StoredImage stored = s.image(image);
      digest = s.push(client.get(), stored, target, progress.progress());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(digest);
    out.flush();
    return 0;
  }
}
