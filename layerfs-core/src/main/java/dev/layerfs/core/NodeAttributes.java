package dev.layerfs.core;

import dev.layerfs.posix.Stat;

/** A node found by a lookup, with its attributes as {@link Overlay#getattr} gives them. */
public record NodeAttributes(Node node, Stat attributes) {}
