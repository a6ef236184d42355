/**
 * Plumbing shared by the packages of {@code dev.layerfs.oci}; public for them, but not exported from the module.
 */
package dev.layerfs.oci.internal;
