/**
 * A FUSE server speaking the kernel's protocol on {@code /dev/fuse} itself, so that a Java filesystem can be mounted
 * without libfuse and with the features libfuse versions disagree on (passthrough, notifications, every opcode).
 *
 * <p>The public API is small:
 * <ul>
 *   <li>{@link dev.layerfs.fuse.raw.RawFileSystem}: what a filesystem implements, one method per request, nodes
 *       named by 64-bit ids; every method defaults to ENOSYS.
 *   <li>{@link dev.layerfs.fuse.raw.Request}, {@link dev.layerfs.fuse.raw.SetattrIn}: what a request carries.
 *   <li>{@link dev.layerfs.fuse.raw.EntryOut}, {@link dev.layerfs.fuse.raw.AttrOut}, {@link dev.layerfs.fuse.raw.Attr},
 *       {@link dev.layerfs.fuse.raw.OpenOut}, {@link dev.layerfs.fuse.raw.ReadOut},
 *       {@link dev.layerfs.fuse.raw.DirentWriter}, {@link dev.layerfs.fuse.raw.XattrOut},
 *       {@link dev.layerfs.fuse.raw.StatfsOut}: answers, written straight into the reply buffer.
 *   <li>{@link dev.layerfs.fuse.raw.FuseException}: an errno to answer with.
 *   <li>{@link dev.layerfs.fuse.raw.FuseServer}: mounts, serves, unmounts;
 *       {@link dev.layerfs.fuse.raw.Connection}: what INIT agreed, and cache invalidation.
 * </ul>
 *
 * <p>Inside, as in go-fuse's {@code fuse} package, {@code Session} runs reader threads that each read one request
 * with one {@code read(2)}, call the filesystem inline and answer with one {@code writev(2)} from buffers they own;
 * {@code Init} negotiates the protocol, {@code Backings} keeps passthrough backing files, and {@code Mounter}
 * attaches the connection with {@code mount(2)} or {@code fusermount3}.
 */
package dev.layerfs.fuse.raw;
