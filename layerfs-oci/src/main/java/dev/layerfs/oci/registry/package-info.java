/**
 * A client of the OCI Distribution API, so that layerfs pulls and pushes images without a Docker daemon.
 *
 * <p>{@link dev.layerfs.oci.registry.RegistryClient} is the entry point. Every byte received is checked against its
 * digest before it is kept; failures are typed ({@link dev.layerfs.oci.registry.UnauthorizedException},
 * {@link dev.layerfs.oci.registry.NotFoundException}, {@link dev.layerfs.oci.registry.DigestMismatchException},
 * {@link dev.layerfs.oci.registry.RegistryUnreachableException}, {@link dev.layerfs.oci.registry.LocalWriteException})
 * and their messages name the registry, repository and reference.
 *
 * <p>Plain HTTP: like Docker, which treats 127.0.0.0/8 as an insecure registry out of the box, a loopback registry
 * ({@code localhost}, {@code 127.x.x.x}, {@code ::1}) may speak plain HTTP: one with a port is asked in plain HTTP
 * first, and in TLS when it answers as a TLS port does; one without a port in TLS first. Any other registry needs
 * {@code plainHttp} or {@code insecure}. A certificate is accepted unverified only
 * from a registry given to {@code insecure}; for a private CA, give it with {@code extraCaCertificates} instead.
 */
package dev.layerfs.oci.registry;
