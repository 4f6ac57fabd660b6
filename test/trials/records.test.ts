import { EpochTracker, parseTrialLine, type TrialRecord } from "../../kernel/src/trials/records";

const rec = (line: string): TrialRecord => {
  const p = parseTrialLine(line);
  if (p.kind !== "record") throw new Error(`not a record: ${line}`);
  return p.record;
};

describe("parseTrialLine", () => {
  it("reads epoch, train_loss, step, val_loss and keeps other fields", () => {
    expect(rec('{"epoch": 3, "train_loss": 0.41, "val_loss": 0.38, "val_acc": 0.9, "step": 135}')).toEqual({
      epoch: 3,
      train_loss: 0.41,
      val_loss: 0.38,
      step: 135,
      extra: { val_acc: 0.9 },
    });
  });
  it("reads Python's NaN and Infinity outside strings only", () => {
    const r = rec('{"epoch": 2, "train_loss": NaN, "val_loss": -Infinity, "note": "NaN Infinity"}');
    expect(r.train_loss).toBeNaN();
    expect(r.val_loss).toBe(-Infinity);
    expect(r.extra.note).toBe("NaN Infinity");
    expect(rec('{"epoch": 1, "train_loss": Infinity}').train_loss).toBe(Infinity);
  });
  it("ignores lines that are not records", () => {
    for (const l of ["", "Epoch 1/10 ━━━━", "[1, 2]", "{not json", '{"lr": 0.1}', "UserWarning: foo"]) {
      expect(parseTrialLine(l).kind).toBe("other");
    }
  });
  it("flags records with bad fields", () => {
    expect(parseTrialLine('{"epoch": "1", "train_loss": 1}')).toEqual({ kind: "invalid", message: expect.stringMatching(/epoch/) });
    expect(parseTrialLine('{"epoch": 1.5, "train_loss": 1}').kind).toBe("invalid");
    expect(parseTrialLine('{"epoch": 1}').kind).toBe("invalid");
    expect(parseTrialLine('{"epoch": 1, "train_loss": 1, "val_loss": "x"}').kind).toBe("invalid");
    expect(parseTrialLine('{"epoch": 1, "train_loss": 1, "step": 0.5}').kind).toBe("invalid");
  });
});

describe("EpochTracker", () => {
  it("ends an epoch at each summary record (no step)", () => {
    const t = new EpochTracker();
    expect(t.add(rec('{"epoch": 1, "train_loss": 2}'), 100)).toEqual([{ epoch: 1, train_loss: 2, val_loss: null, steps: 0, end_ms: 100 }]);
    expect(t.add(rec('{"epoch": 2, "train_loss": 1, "val_loss": 1.5}'), 200)).toEqual([{ epoch: 2, train_loss: 1, val_loss: 1.5, steps: 0, end_ms: 200 }]);
  });

  it("averages minibatch records and ends the epoch at its summary", () => {
    const t = new EpochTracker();
    expect(t.add(rec('{"epoch": 1, "step": 1, "train_loss": 3}'), 10)).toEqual([]);
    expect(t.add(rec('{"epoch": 1, "step": 2, "train_loss": 1}'), 20)).toEqual([]);
    // the summary's train_loss (9) is not used: the epoch mean of minibatch losses is ℓ̄_t
    expect(t.add(rec('{"epoch": 1, "step": 2, "train_loss": 9, "val_loss": 0.5, "val_acc": 0.8}'), 30)).toEqual([
      { epoch: 1, train_loss: 2, val_loss: 0.5, steps: 2, end_ms: 30, extra: { val_acc: 0.8 } },
    ]);
  });

  it("ends a minibatch-only epoch when the next epoch starts, and at finish()", () => {
    const t = new EpochTracker();
    t.add(rec('{"epoch": 1, "step": 1, "train_loss": 4}'), 10);
    t.add(rec('{"epoch": 1, "step": 2, "train_loss": 2}'), 20);
    expect(t.add(rec('{"epoch": 2, "step": 3, "train_loss": 1}'), 30)).toEqual([{ epoch: 1, train_loss: 3, val_loss: null, steps: 2, end_ms: 20 }]);
    expect(t.finish()).toEqual([{ epoch: 2, train_loss: 1, val_loss: null, steps: 1, end_ms: 30 }]);
    expect(t.finish()).toEqual([]);
  });

  it("counts 0-based logs from 1", () => {
    const t = new EpochTracker();
    expect(t.add(rec('{"epoch": 0, "train_loss": 2}'), 1)[0].epoch).toBe(1);
    expect(t.add(rec('{"epoch": 1, "train_loss": 1}'), 2)[0].epoch).toBe(2);
  });

  it("ignores records of epochs already ended", () => {
    const t = new EpochTracker();
    t.add(rec('{"epoch": 1, "train_loss": 2}'), 1);
    t.add(rec('{"epoch": 2, "train_loss": 1}'), 2);
    expect(t.add(rec('{"epoch": 2, "train_loss": 5}'), 3)).toEqual([]);
    expect(t.add(rec('{"epoch": 1, "step": 9, "train_loss": 5}'), 4)).toEqual([]);
    expect(t.issues).toHaveLength(2);
  });
});
