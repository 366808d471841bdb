import { describe, expect, it } from 'vitest';
import { AWAKE, createDoorbells, Doorbell } from '../../scheduler/doorbell.js';

/** One `sleep` with nothing to do: how many times did it look for work? (then wake it up) */
async function idleSleep(bell: Doorbell, spinMicros: number): Promise<number> {
  let looks = 0;
  let woke!: () => void;
  const awake = new Promise<void>((resolve) => (woke = resolve));
  const slept = bell.sleep(
    () => {
      looks++;
      return false;
    },
    () => woke(),
    { spinMicros },
  );
  expect(slept).toBe(false);
  bell.wake();
  await awake;
  return looks;
}

describe('Doorbell adaptive spin', () => {
  it('one empty spin skips nothing; after k ≥ 2 in a row up to 2^k - 1 sleeps skip spinning', async () => {
    // random() just below 1 draws the longest skips: 0, 3, 7 …
    const bell = new Doorbell(createDoorbells(1), 0, () => 0.999);
    // A spin looks at least once, then once more after announcing sleep; a skipped spin only once.
    const looks: number[] = [];
    for (let i = 0; i < 14; i++) looks.push(await idleSleep(bell, 200));
    const spun = looks.map((n) => n > 1);
    const expected = [
      true,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ];
    expect(spun).toEqual(expected);
    for (const [i, n] of looks.entries()) if (!spun[i]) expect(n).toBe(1);
  });

  it('the skip is drawn at random (random() = 0 never skips)', async () => {
    const bell = new Doorbell(createDoorbells(1), 0, () => 0);
    for (let i = 0; i < 4; i++) expect(await idleSleep(bell, 200)).toBeGreaterThan(1);
  });

  it('a spin that finds work resets the back-off', async () => {
    const bell = new Doorbell(createDoorbells(1), 0, () => 0.999);
    await idleSleep(bell, 200); // empty spin: no skip yet
    await idleSleep(bell, 200); // second in a row: skip 3
    for (let i = 0; i < 3; i++) await idleSleep(bell, 200);
    // This spin finds work on its first look: the sleep returns true at once.
    expect(
      bell.sleep(
        () => true,
        () => {},
        { spinMicros: 200 },
      ),
    ).toBe(true);
    // Back-off reset: again one empty spin skips nothing, the second skips 3.
    const looks: number[] = [];
    for (let i = 0; i < 4; i++) looks.push(await idleSleep(bell, 200));
    expect(looks.map((n) => n > 1)).toEqual([true, true, false, false]);
  });

  it('without spinMicros it never spins', async () => {
    const bell = new Doorbell(createDoorbells(1), 0);
    for (let i = 0; i < 3; i++) expect(await idleSleep(bell, 0)).toBe(1);
  });
});

describe("Doorbell idleWait 'hybrid'", () => {
  it('a ring between announcing sleep and blocking is not lost: the sleep returns at once', () => {
    const sab = createDoorbells(1);
    const bell = new Doorbell(sab, 0);
    const producer = new Doorbell(sab, 0); // another thread's handle on the same bell
    let woke = false;
    const slept = bell.sleep(
      () => {
        producer.ring(); // publishes and rings right after the owner announced sleep
        return false;
      },
      () => {
        woke = true;
      },
      { idleWait: 'hybrid', blockMs: 10_000 },
    );
    expect(slept).toBe(true);
    expect(woke).toBe(false);
    expect(bell.state).toBe(AWAKE);
  });

  it('after blockMs without a ring it waits asynchronously, and a later ring wakes it', async () => {
    const sab = createDoorbells(1);
    const bell = new Doorbell(sab, 0);
    let woke!: () => void;
    const awake = new Promise<void>((resolve) => (woke = resolve));
    expect(bell.sleep(() => false, woke, { idleWait: 'hybrid', blockMs: 1 })).toBe(false);
    expect(new Doorbell(sab, 0).ring()).toBe(true); // it was still asleep: a notify was needed
    await awake;
    expect(bell.state).toBe(AWAKE);
  });
});
