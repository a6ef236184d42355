import dev.layerfs.core.Overlay;
import dev.layerfs.core.OverlayOptions;
import dev.layerfs.posix.Names;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The heap a whole directory listing takes in the engine, per entry: what the snapshot keeps (heap in use after
 * full collections with it and once it is dropped) and what reading it allocates (this thread's allocation
 * counter).
 *
 * <pre>
 *   cp=layerfs-posix/target/classes:layerfs-core/target/classes
 *   javac -d /tmp/lm -cp $cp bench/ListingMemory.java
 *   java -Xmx1g -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp /tmp/lm:$cp ListingMemory 'lowerdir=TOP:BOTTOM' DIR
 * </pre>
 * Compiled first rather than run as a source file, so the source launcher's compiler leaves no garbage to blur the
 * numbers; compiles against any build whose engine has {@code readDirectory}.
 */
public class ListingMemory {
  public static void main(String[] args) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    try (Overlay o = Overlay.open(OverlayOptions.parse(args[0]))) {
      var dir = o.lookup(o.root(), Names.bytes(args[1]));
      o.readDirectory(dir); // warm: classes, code, the layers' dentries
      long allocated = threads.getThreadAllocatedBytes(self);
      var listing = o.readDirectory(dir);
      allocated = threads.getThreadAllocatedBytes(self) - allocated;
      int entries = listing.entries().size();
      long with = settled(memory);
      listing = null;
      long held = with - settled(memory);
      System.out.printf("%s %s: %,d entries, %,d bytes held (%.1f per entry), %,d bytes allocated (%.1f per entry)%n",
          args[0], args[1], entries, held, (double) held / entries, allocated, (double) allocated / entries);
    }
  }

  private static long settled(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
