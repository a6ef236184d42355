/**
 * The typed OCI image model: digests, descriptors, manifests, indexes, configs, platforms and references.
 *
 * <p>The records serialize to canonical JSON (fields in the specification's order, map keys sorted, no whitespace) so
 * that equal values always give equal bytes and so equal digests; fields the model does not know are kept, so that
 * reading and re-writing a document loses nothing. A digest identifies the bytes, though, not the model: content
 * fetched from elsewhere is kept as received and only re-serialized when it is changed.
 */
package dev.layerfs.oci.image;
