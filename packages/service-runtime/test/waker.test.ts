import { Waker } from '../src/waker';

describe('a waker', () => {
  it('ends a pause at the wake-up', async () => {
    const waker = new Waker();
    const started = Date.now();
    const pause = waker.sleep(10_000);
    setTimeout(() => waker.wake(), 20);
    await pause;
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps a wake-up that came while the loop was busy: the next pause returns at once, the one after waits', async () => {
    const waker = new Waker();
    waker.wake();
    const started = Date.now();
    await waker.sleep(10_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    const second = Date.now();
    await waker.sleep(50);
    expect(Date.now() - second).toBeGreaterThanOrEqual(45);
  });
});
