package dev.batchrunner.function.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link EventParser#isUtf8}'s scan, held to the JDK's strict UTF-8 decoder. */
class EventParserUtf8Test {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "41",
        "c380",
        "c0 80",
        "c1bf",
        "c2",
        "e0a080",
        "e09f80",
        "ed9fbf",
        "eda080",
        "edbfbf",
        "ee8080",
        "efbfbf",
        "efbf",
        "f0908080",
        "f08fbfbf",
        "f48fbfbf",
        "f4908080",
        "f5808080",
        "ff",
        "80",
        "bf",
        "e2 82ac",
        "f09f9880",
        "f09f98",
        "41f09f988041",
        "c3",
        "e282"
      })
  void isUtf8_onEdgeSequences_agreesWithTheJdkDecoder(String hex) {
    byte[] bytes = HexFormat.of().parseHex(hex.replace(" ", ""));
    assertEquals(jdkAccepts(bytes), EventParser.isUtf8(bytes), hex);
  }

  @Property(tries = 3000)
  void isUtf8_onAnyBytes_agreesWithTheJdkDecoder(@ForAll("highBytes") byte[] bytes) {
    assertEquals(jdkAccepts(bytes), EventParser.isUtf8(bytes), HexFormat.of().formatHex(bytes));
  }

  @Property(tries = 1000)
  void isUtf8_onEncodedText_acceptsItAndACutCopyAsTheJdkDoes(@ForAll String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    assertEquals(jdkAccepts(bytes), EventParser.isUtf8(bytes), text);
    if (bytes.length > 1) {
      byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
      assertEquals(jdkAccepts(cut), EventParser.isUtf8(cut), HexFormat.of().formatHex(cut));
    }
  }

  /** Mostly bytes from the multi-byte ranges, where the rules are, with some ASCII between. */
  @Provide
  Arbitrary<byte[]> highBytes() {
    Arbitrary<Byte> one =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(1, Arbitraries.bytes().between((byte) 0x20, (byte) 0x7e)),
            net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0x80, (byte) 0xbf)),
            net.jqwik.api.Tuple.of(3, Arbitraries.bytes().between((byte) 0xc0, (byte) 0xff)));
    return one.array(byte[].class).ofMaxSize(8);
  }

  private static boolean jdkAccepts(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
