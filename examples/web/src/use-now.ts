import { useEffect, useState } from "react";

/** The current time in epoch ms, re-read every `intervalMs` while `active`. */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}

/**
 * "2:05" for 125,000 ms; never negative. Rounds down by default (an expiry
 * never shows more time than is left); `"up"` suits a wait (a cooldown never
 * shows 0:00 while it still runs).
 */
export function formatClock(ms: number, round: "down" | "up" = "down"): string {
  const seconds = ms / 1000;
  const total = Math.max(0, round === "up" ? Math.ceil(seconds) : Math.floor(seconds));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}
