package dev.layerfs.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** A thread's scratch memory is lent to nested calls and comes back whole when each of them closes. */
class ScratchTest {
  @Test
  void nestedScratchesGiveBackWhatEachOneTook() {
    long first;
    try (Native.Scratch outer = Native.Scratch.open()) {
      first = outer.allocate(100).address();
    }
    try (Native.Scratch outer = Native.Scratch.open()) {
      MemorySegment outerBlock = outer.allocate(100);
      assertEquals(first, outerBlock.address());
      try (Native.Scratch inner = Native.Scratch.open()) {
        assertNotEquals(first, inner.allocate(200).address(), "the inner call must not reuse the outer's block");
        try (Native.Scratch innermost = Native.Scratch.open()) {
          innermost.allocate(300);
        }
      }
      MemorySegment afterInner = outer.allocate(16);
      assertEquals(first + 112, afterInner.address(), "the inner calls' memory is free again");
    }
    try (Native.Scratch again = Native.Scratch.open()) {
      assertEquals(first, again.allocate(8).address(), "nothing stays taken after the outermost call closes");
    }
  }
}
