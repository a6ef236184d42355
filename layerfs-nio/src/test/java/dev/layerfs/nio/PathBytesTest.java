package dev.layerfs.nio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Strings of path bytes lose nothing, whatever the bytes. */
class PathBytesTest {
  @Test
  void anyBytesSurviveDecodingAndEncoding() {
    Random random = new Random(7);
    for (int round = 0; round < 20_000; round++) {
      byte[] bytes = new byte[random.nextInt(12)];
      random.nextBytes(bytes);
      assertArrayEquals(bytes, PathBytes.encode(PathBytes.decode(bytes)), () -> HexFormat.of()
          .formatHex(bytes));
    }
  }

  @Test
  void validUtf8IsOrdinaryText() {
    for (String s : new String[] {"", "plain", "é", "日本語", "emoji \uD83D\uDE00", "\u007f\u0080\u07ff\u0800\uffff"}) {
      assertEquals(s, PathBytes.decode(s.getBytes(StandardCharsets.UTF_8)));
      assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), PathBytes.encode(s));
    }
  }

  @Test
  void invalidSequencesBecomeOneEscapePerByte() {
    assertEquals("\uDCC0\uDC80", PathBytes.decode(new byte[] {(byte) 0xc0, (byte) 0x80}), "overlong NUL");
    assertEquals("\uDCED\uDCA0\uDC80", PathBytes.decode(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}),
        "an encoded surrogate");
    assertEquals("\uDCF4\uDC90\uDC80\uDC80", PathBytes.decode(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80,
        (byte) 0x80}), "beyond U+10FFFF");
    assertEquals("a\uDCE2\uDC82", PathBytes.decode(new byte[] {'a', (byte) 0xe2, (byte) 0x82}), "truncated");
  }

  @Test
  void refusesUnpairedSurrogatesThatStandForNoByte() {
    assertThrows(InvalidPathException.class, () -> PathBytes.encode("bad \uD800 surrogate"));
    assertThrows(InvalidPathException.class, () -> PathBytes.encode("low \uDC10 escape"));
  }

  @Test
  void percentEncodingKeepsEveryByte() {
    byte[] bytes = {'a', ' ', '%', '!', (byte) 0xff, '/', 'z'};
    String encoded = PathBytes.percentEncode(bytes, true);
    assertEquals("a%20%25%21%FF/z", encoded);
    assertArrayEquals(bytes, PathBytes.percentDecode(encoded));
  }
}
