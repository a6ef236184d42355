package dev.layerfs.oci.tar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfs.oci.tar.TarEntry.Type;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random entries survive a write and a read, are written reproducibly, and corrupted archives fail cleanly. */
class RoundTripPropertyTest {
  private static final byte[][] XATTR_NAMES = {Names.ascii("user.a"), Names.ascii("user.=%"),
      Names.ascii("security.capability"), "trusted.\u00fc".getBytes(StandardCharsets.UTF_8),
      {'u', 's', 'e', 'r', '.', (byte) 0xff}, Names.ascii("user.x y")};

  @Property(tries = 300)
  void randomEntriesRoundTrip(@ForAll("items") List<Item> items) throws IOException {
    byte[] archive = Item.write(items);

    assertEquals(items, Item.read(archive));
    assertArrayEquals(archive, Item.write(items));
  }

  @Property(tries = 300)
  void corruptedArchivesFailWithTarFormatExceptionOrReadSomething(
      @ForAll("items") List<Item> items, @ForAll @IntRange(min = 0, max = 1 << 20) int position,
      @ForAll byte value, @ForAll boolean truncate) {
    byte[] archive = Item.write(items);
    int at = position % archive.length;
    byte[] corrupted = truncate ? java.util.Arrays.copyOf(archive, at) : archive.clone();
    if (!truncate) {
      corrupted[at] = value;
    }
    try {
      Item.read(corrupted);
    } catch (TarFormatException expected) {
      // A clear error is the right answer; any other exception type fails the property.
    } catch (IOException e) {
      throw new AssertionError("unexpected " + e, e);
    }
  }

  @Provide
  Arbitrary<List<Item>> items() {
    return Arbitraries.randomValue(RoundTripPropertyTest::item).list().ofMaxSize(6);
  }

  private static Item item(Random random) {
    Type type = Type.values()[random.nextInt(Type.values().length)];
    TarEntry.Builder entry = TarEntry.builder(type, name(random, type == Type.DIRECTORY))
        .mode(random.nextInt(010000)).uid(number(random)).gid(number(random))
        .uname(bytes(random, 1, 40)).gname(bytes(random, 1, 40)).mtime(time(random))
        .atime(random.nextBoolean() ? time(random) : null).ctime(random.nextBoolean() ? time(random) : null);
    for (int i = random.nextInt(3); i > 0; i--) {
      entry.xattr(XATTR_NAMES[random.nextInt(XATTR_NAMES.length)], bytes(random, 0, 300));
    }
    return switch (type) {
      case REGULAR -> regular(random, entry);
      case HARD_LINK, SYMLINK -> Item.of(entry.linkTarget(name(random, false)).build());
      case CHAR_DEVICE, BLOCK_DEVICE -> Item.of(entry.device(random.nextInt(1 << 12), random.nextInt(1 << 20)).build());
      default -> Item.of(entry.build());
    };
  }

  private static Item regular(Random random, TarEntry.Builder entry) {
    if (random.nextInt(4) > 0) {
      byte[] data = bytes(random, 0, 2000);
      return new Item(entry.size(data.length).build(), data);
    }
    List<SparseMap.Region> regions = new ArrayList<>();
    long end = 0;
    for (int i = random.nextInt(4); i > 0; i--) {
      long offset = end + random.nextInt(100_000);
      long length = 1 + random.nextInt(700);
      regions.add(new SparseMap.Region(offset, length));
      end = offset + length;
    }
    SparseMap map = new SparseMap(regions);
    byte[] data = bytes(random, (int) map.dataSize(), (int) map.dataSize());
    return new Item(entry.size(end + random.nextInt(3) * 4096L).sparseMap(map).build(), data);
  }

  /** Returns a name of raw bytes, not UTF-8 in general, sometimes far longer than ustar's 100 bytes. */
  private static byte[] name(Random random, boolean directory) {
    byte[] name = bytes(random, 1, random.nextInt(5) == 0 ? 400 : 60);
    if (!directory && name[name.length - 1] == '/') {
      name[name.length - 1] = 'x';
    }
    return name;
  }

  private static byte[] bytes(Random random, int min, int max) {
    byte[] bytes = new byte[min + random.nextInt(max - min + 1)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (1 + random.nextInt(255));
      if (random.nextInt(8) == 0) {
        bytes[i] = (byte) "/./aé".charAt(random.nextInt(5));
      }
    }
    return bytes;
  }

  private static long number(Random random) {
    return random.nextBoolean() ? random.nextInt(70_000) : random.nextLong(0, 1L << 50);
  }

  private static Instant time(Random random) {
    long seconds = random.nextBoolean() ? random.nextLong(0, 1L << 33) : random.nextLong(-(1L << 40), 1L << 40);
    return Instant.ofEpochSecond(seconds, random.nextBoolean() ? 0 : random.nextInt(1_000_000_000));
  }
}
