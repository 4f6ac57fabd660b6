import { makeVector } from "apache-arrow";
import {
  Float64Builder,
  Int32Builder,
  Int64Builder,
  IntParse,
  PyListBuilder,
  TresMapBuilder,
  Utf8Builder,
  floatOk,
  isNullField,
  parseEpochMs,
  parseFloat64,
  parseInt64,
  parseUint64,
  parsedWords,
} from "../../kernel/src/datasets/columns";
import * as columns from "../../kernel/src/datasets/columns";
import { Rng } from "../../kernel/src/datasets/generate";

const enc = new TextEncoder();
const b = (s: string) => enc.encode(s);

function u64(s: string): bigint | IntParse {
  const x = b(s);
  const r = parseUint64(x, 0, x.length);
  return r === IntParse.Ok ? (BigInt(parsedWords[1]) << 32n) | BigInt(parsedWords[0]) : r;
}
function i64(s: string): bigint | IntParse {
  const x = b(s);
  const r = parseInt64(x, 0, x.length);
  return r === IntParse.Ok ? BigInt.asIntN(64, (BigInt(parsedWords[1]) << 32n) | BigInt(parsedWords[0])) : r;
}
function f64(s: string): number | "invalid" {
  const x = b(s);
  const v = parseFloat64(x, 0, x.length);
  return columns.floatOk ? v : "invalid";
}
/** Appends each text to a fresh builder; returns the values as Arrow gives them back. */
function column(builder: { append(buf: Uint8Array, s: number, e: number, f: number): boolean; finish(): unknown; error: string }, texts: string[]): unknown[] {
  for (const t of texts) {
    const x = b(t);
    if (!builder.append(x, 0, x.length, 0)) throw new Error(builder.error);
  }
  return [...makeVector(builder.finish() as never)];
}

describe("parseUint64: exact unsigned 64-bit integers", () => {
  it.each([
    ["0", 0n],
    ["4000", 4000n],
    ["4294967294", 4294967294n],
    ["38215570926613", 38215570926613n],
    ["999999999999999", 999999999999999n],
    ["9007199254740993", 9007199254740993n], // 2^53 + 1: a double would round it
    ["9223372036854779808", 9223372036854779808n], // top bit set: MEM_PER_CPU | 4000
    ["18446744073709551614", 18446744073709551614n], // NO_VAL64
    ["18446744073709551615", 18446744073709551615n], // 2^64 - 1
    [" 42 ", 42n],
    ["+7", 7n],
    ["4.0", 4n],
    ["160000.000", 160000n],
  ])("%p → %p", (text, want) => {
    expect(u64(text)).toBe(want);
  });

  it.each([
    ["18446744073709551616", IntParse.Overflow],
    ["99999999999999999999", IntParse.Overflow],
    ["123456789012345678901", IntParse.Overflow],
    ["", IntParse.NotANumber],
    ["abc", IntParse.NotANumber],
    ["12a", IntParse.NotANumber],
    ["-1", IntParse.NotANumber],
    ["1e3", IntParse.NotANumber],
    ["4.5", IntParse.Fraction],
  ])("rejects %p", (text, why) => {
    expect(u64(text)).toBe(why);
  });

  it("matches BigInt on random values of every length", () => {
    const rng = new Rng(7);
    for (let k = 0; k < 2000; k++) {
      const digits = rng.int(1, 20);
      let s = String(rng.int(1, 9));
      for (let i = 1; i < digits; i++) s += String(rng.int(0, 9));
      const want = BigInt(s);
      expect(u64(s)).toBe(want < 1n << 64n ? want : IntParse.Overflow);
    }
  });
});

describe("parseInt64", () => {
  it.each([
    ["-1", -1n],
    ["-5", -5n],
    ["-9223372036854775808", -9223372036854775808n],
    ["9223372036854775807", 9223372036854775807n],
    ["-0", 0n],
    ["-4294967296", -4294967296n],
  ])("%p → %p", (text, want) => {
    expect(i64(text)).toBe(want);
  });
  it.each(["9223372036854775808", "-9223372036854775809"])("rejects %p as out of range", (text) => {
    expect(i64(text)).toBe(IntParse.Overflow);
  });
});

describe("parseFloat64: correctly rounded, like Number()", () => {
  it.each(["0", "39.87", "0.002104", "0.0021039999999999995", "512.338104", "1e-3", "-2.5E+2", "0.0", "12.0", "1626100901.217", "123456789012345678", "0.1", "5e-324", "1.7976931348623157e308"])(
    "%p",
    (text) => {
      expect(f64(text)).toBe(Number(text));
    },
  );

  it("matches Number() on random decimal text", () => {
    const rng = new Rng(11);
    for (let k = 0; k < 5000; k++) {
      const int = String(rng.int(0, 10 ** rng.int(0, 9)));
      const frac = rng.chance(0.7) ? "." + String(rng.int(0, 10 ** rng.int(1, 19))).padStart(rng.int(1, 19), "0") : "";
      const exp = rng.chance(0.1) ? `e${rng.int(-30, 30)}` : "";
      const s = (rng.chance(0.2) ? "-" : "") + int + frac + exp;
      expect(f64(s)).toBe(Number(s));
    }
  });

  it("reads nan and infinities, and rejects text", () => {
    expect(f64("nan")).toBeNaN();
    expect(f64("inf")).toBe(Infinity);
    expect(f64("-Infinity")).toBe(-Infinity);
    for (const bad of ["abc", "1.2.3", "1e", "--1", ".", "1,5", "0x10", "12 3"]) expect(f64(bad)).toBe("invalid");
    expect(floatOk).toBe(false);
  });
});

describe("parseEpochMs: epoch seconds to integer milliseconds", () => {
  it.each([
    ["1626100863", 1626100863000],
    ["1626100901.217", 1626100901217],
    ["1626100901.2", 1626100901200],
    ["1626100901.0", 1626100901000],
    ["1626100901.4005", 1626100901401],
    ["1626100901.2174999", 1626100901217],
    ["1.6261009012e9", 1626100901200],
  ])("%p → %p", (text, ms) => {
    const x = b(text);
    expect(parseEpochMs(x, 0, x.length)).toBe(ms);
  });
  it("rejects text", () => {
    const x = b("yesterday");
    expect(parseEpochMs(x, 0, x.length)).toBeNaN();
  });
});

describe("null fields", () => {
  it.each([["", true], ["\\N", true], ["N/A", true], ["NA", false], ["0", false], ["\\n", false]])("%p is null: %p", (t, want) => {
    const x = b(t);
    expect(isNullField(x, 0, x.length)).toBe(want);
  });
});

describe("builders", () => {
  it("Int32 turns sentinels into nulls when asked and keeps them raw otherwise", () => {
    expect(column(new Int32Builder("raw", true), ["4294967294", "3", "4294967295"])).toEqual([4294967294, 3, 4294967295]);
    expect(column(new Int32Builder("decoded", true, true, { nullValues: [4294967294, 4294967295] }), ["4294967294", "3", "4294967295"])).toEqual([null, 3, null]);
  });

  it("Int32 rejects out-of-range and non-numeric values with a message", () => {
    const c = new Int32Builder("n", false);
    const x = b("2147483648");
    expect(c.append(x, 0, x.length)).toBe(false);
    expect(c.error).toMatch(/expected a 32-bit integer but got "2147483648"/);
    const y = b("abc");
    expect(c.append(y, 0, y.length)).toBe(false);
    expect(c.error).toMatch(/"abc"/);
  });

  it("UInt64 keeps every bit", () => {
    expect(column(new Int64Builder("m", "uint64"), ["9223372036854779808", "18446744073709551614", "\\N", "262144"])).toEqual([
      9223372036854779808n,
      18446744073709551614n,
      null,
      262144n,
    ]);
  });

  it("Timestamp(s) turns 0 into null only when asked", () => {
    expect(column(new Int64Builder("t", "epoch-s", true, { zeroIsNull: true }), ["1626100800", "0"])).toEqual([1626100800000, null]);
    expect(column(new Int64Builder("t", "epoch-s", true), ["0"])).toEqual([0]);
  });

  it("a non-nullable column refuses a null", () => {
    const c = new Int64Builder("id_job", "int64", false);
    const x = b("\\N");
    expect(c.append(x, 0, x.length)).toBe(false);
    expect(c.error).toMatch(/missing value/);
  });

  it("Float64 reads mixed integer and decimal text", () => {
    expect(column(new Float64Builder("x"), ["0", "39.87", "0.002104", "0.0021039999999999995", "N/A"])).toEqual([0, 39.87, 0.002104, 0.0021039999999999995, null]);
  });

  it("Utf8 unescapes doubled quotes", () => {
    const c = new Utf8Builder("s");
    const x = b('a ""b"" c');
    c.append(x, 0, x.length, 3);
    expect([...makeVector(c.finish() as never)]).toEqual(['a "b" c']);
  });

  it("PyList reads list literals, quoted or bare, and rejects other text", () => {
    expect(column(new PyListBuilder("nodes"), ["['r1-n2', 'r3-n4']", "[]", "['r5-n6']", '["r7-n8"]', "[r9-n1, r2-n3]", "\\N"]).map((v) => (v === null ? null : [...(v as Iterable<string>)]))).toEqual([
      ["r1-n2", "r3-n4"],
      [],
      ["r5-n6"],
      ["r7-n8"],
      ["r9-n1", "r2-n3"],
      null,
    ]);
    const c = new PyListBuilder("nodes");
    for (const bad of ["r1-n2", "['a', 'b'", "['a' 'b']", "[,]"]) {
      const x = b(bad);
      expect(c.append(x, 0, x.length, 0)).toBe(false);
      expect(c.error).toMatch(/Python list literal/);
    }
  });

  it("TRES maps keep UInt64 values and make NO_VAL64 null", () => {
    const [m] = column(new TresMapBuilder("tres"), ["1=40,2=160000,3=18446744073709551614,4=2,1002=2,7=9223372036854775808"]);
    expect((m as { toJSON(): unknown }).toJSON()).toEqual({ "1": 40n, "2": 160000n, "3": null, "4": 2n, "1002": 2n, "7": 9223372036854775808n });
    const c = new TresMapBuilder("tres");
    for (const bad of ["1=40,2", "x=1", "1=-3", "1=40,,2=3", "1=18446744073709551616"]) {
      const x = b(bad);
      expect(c.append(x, 0, x.length, 0)).toBe(false);
    }
  });

  it("rolls back to an earlier length", () => {
    const c = new Utf8Builder("s");
    for (const t of ["a", "", "b", "c"]) {
      const x = b(t);
      c.append(x, 0, x.length, 0);
    }
    c.truncate(2);
    const x = b("z");
    c.append(x, 0, x.length, 0);
    const d = c.finish();
    expect(d.nullCount).toBe(1);
    expect([...makeVector(d as never)]).toEqual(["a", null, "z"]);
  });
});
