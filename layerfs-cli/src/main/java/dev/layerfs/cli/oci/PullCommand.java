package dev.layerfs.cli.oci;

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

/** {@code layerfs pull}: an image from a registry into the store, as {@code docker pull}. */
@Command(name = "pull", mixinStandardHelpOptions = true, description = {
    "Pull an image from a registry into the store, named after REF.",
    "Layers the store has are not downloaded again; the others are downloaded",
    "three at a time, verified against their digests as they arrive (a dropped",
    "connection resumes where it stopped) and unpacked into the store meanwhile."})
public final class PullCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin StoreOptions store;
  @Mixin ProgressOptions progress;
  @Mixin RegistryOptions registry;

  @Parameters(paramLabel = "REF", description = "[REGISTRY/]REPOSITORY[:TAG][@DIGEST], e.g. debian:12 or"
      + " localhost:5000/team/app@sha256:… (Docker Hub when no registry is named).")
  String reference;

  @Mixin PlatformOptions platform;

  @Override
  public Integer call() throws IOException {
    ImageReference ref = ImageReference.parse(reference);
    StoredImage image;
    try (PendingClient client = registry.connect(ref)) {
      LayerStore opened = store.open();
      image = opened.pull(client.get(), ref, platform.platform(), progress.progress());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (image.names().isEmpty()) {
      out.println("Pulled image ID: " + image.id());
    }
    for (ImageReference name : image.names()) {
      out.println("Pulled image: " + name);
    }
    out.println("Digest: " + image.manifestDigest());
    out.flush();
    return 0;
  }
}
