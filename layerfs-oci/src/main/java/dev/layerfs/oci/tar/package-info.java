/**
 * A tar codec for OCI image layers that keeps every Linux name, link target and xattr value as raw bytes, because
 * general-purpose libraries decode PAX values as UTF-8 and so corrupt binary xattrs such as
 * {@code security.capability} and non-UTF-8 file names.
 *
 * <p>{@link dev.layerfs.oci.tar.TarReader} reads ustar, PAX and GNU archives (long names, base-256 numbers, all
 * sparse formats); {@link dev.layerfs.oci.tar.TarWriter} writes reproducible PAX archives;
 * {@link dev.layerfs.oci.tar.Compression} detects, decompresses and bounds gzip and zstd layers.
 */
package dev.layerfs.oci.tar;
