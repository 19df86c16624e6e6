// A small live line chart (uPlot): one line per series, over the last points given.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface Series {
  label: string;
  values: (number | null)[];
}

const kColors = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0969da"];

export function Chart({
  title,
  times,
  series,
  unit,
}: {
  title: string;
  times: number[];
  series: Series[];
  unit: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join("\n");

  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const width = Math.max(260, Math.min(element.clientWidth, 560));
    plot.current = new uPlot(
      {
        width,
        height: 160,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{}, { label: unit, size: 50 }],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: kColors[i % kColors.length] ?? "#000",
            width: 2,
          })),
        ],
      },
      [times, ...series.map((s) => s.values)],
      element,
    );
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // A new set of series makes a new chart; new points only update it.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
    </figure>
  );
}
