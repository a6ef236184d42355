package dev.layerfs.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code layerfs install-mount-helper}: writes {@code sbin/mount.fuse.layerfs}, the helper mount(8) runs for
 * {@code mount -t fuse.layerfs SOURCE DIR -o OPTIONS} and for {@code /etc/fstab} entries of type
 * {@code fuse.layerfs}; it calls this installation's launcher.
 */
@Command(name = "install-mount-helper", description = {
    "Installs PREFIX/sbin/mount.fuse.layerfs so that 'mount -t fuse.layerfs layerfs DIR -o lowerdir=...' and",
    "/etc/fstab lines like 'layerfs /mnt fuse.layerfs lowerdir=/l,upperdir=/u,workdir=/w 0 0' work."})
final class InstallMountHelperCommand implements Callable<Integer> {
  @Option(names = "--prefix", defaultValue = "/", description = "Install under PREFIX/sbin (default: /sbin).")
  Path prefix;

  @Option(names = "--launcher", description = "The layerfs launcher the helper runs (default: this one).")
  Path launcher;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path layerfs = launcher != null ? launcher : defaultLauncher();
    if (!Files.isExecutable(layerfs)) {
      throw new IllegalArgumentException("--launcher " + layerfs + ": not an executable file");
    }
    Path sbin = Files.createDirectories(prefix.resolve("sbin"));
    Path helper = sbin.resolve("mount.fuse.layerfs");
    Files.writeString(helper, script(layerfs.toAbsolutePath()));
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
    PrintWriter out = spec.commandLine().getOut();
    out.println("installed " + helper + " (runs " + layerfs.toAbsolutePath() + ")");
    out.flush();
    return 0;
  }

  /** The launcher that started this JVM ({@code LAYERFS_LAUNCHER}, set by the {@code layerfs} script). */
  private static Path defaultLauncher() {
    String fromLauncher = System.getenv("LAYERFS_LAUNCHER");
    if (fromLauncher == null) {
      throw new IllegalArgumentException("cannot tell where the layerfs launcher is: pass --launcher PATH");
    }
    return Path.of(fromLauncher);
  }

  static String script(Path layerfs) {
    String quoted = "'" + layerfs.toString().replace("'", "'\\''") + "'";
    return """
        #!/bin/sh
        # mount.fuse.layerfs: lets mount(8) and /etc/fstab mount layerfs overlays:
        #   mount -t fuse.layerfs layerfs DIR -o lowerdir=...,upperdir=...,workdir=...
        # Installed by 'layerfs install-mount-helper'.
        set -e
        if [ $# -lt 2 ]; then
          echo "usage: mount.fuse.layerfs SOURCE MOUNTPOINT [-o OPTIONS]" >&2
          exit 1
        fi
        source=$1
        dir=$2
        shift 2
        options=
        while [ $# -gt 0 ]; do
          case "$1" in
            -o) options=${options:+$options,}$2; shift 2 ;;
            -o*) options=${options:+$options,}${1#-o}; shift ;;
            -r) options=${options:+$options,}ro; shift ;;
            -w) options=${options:+$options,}rw; shift ;;
            -n|-s|-v|-f) shift ;;   # mount(8): no mtab, sloppy, verbose, fake
            -N) shift 2 ;;
            *) echo "mount.fuse.layerfs: unexpected argument '$1'" >&2; exit 1 ;;
          esac
        done
        exec %s mount -o "$options" "$source" "$dir"
        """.formatted(quoted);
  }
}
