package bench

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The charts: the scenarios as bars (median) with whiskers (min to max),
// the tools side by side in one group per scenario, and the growth suite as
// lines over the number of services. Scenarios differ by orders of
// magnitude (a no-op up takes a tenth of a second, a redeploy a minute), so
// the scenario charts are split by range, each on a linear axis from zero
// where bar heights compare honestly: one chart of the scenarios whose
// largest median is under 1 s, one for 1 to 10 s, one for 10 s and over,
// and one for the millisecond rows (loading and planning).

// Chart file names.
const (
	chartScenariosUnder1s  = "scenarios-under-1s.png"
	chartScenarios1To10s   = "scenarios-1-to-10s.png"
	chartScenariosOver10s  = "scenarios-10s-and-over.png"
	chartScenariosMillis   = "scenarios-milliseconds.png"
	chartScenariosRequests = "scenarios-failed-requests.png"
	chartGrowthColdUp      = "growth-cold-up.png"
	chartGrowthNoopUp      = "growth-noop-up.png"
	chartGrowthRSS         = "growth-rss.png"
	chartSwarmTimes        = "swarm.png"
	chartSwarmFailed       = "swarm-failed-requests.png"
)

// Each tool's colour, the same in every chart.
var toolColors = map[string]color.Color{
	"stackctl": color.RGBA{R: 0x1f, G: 0x6f, B: 0xb4, A: 0xff},
	"compose":  color.RGBA{R: 0xe8, G: 0x7d, B: 0x1e, A: 0xff},
	floorTool:  color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff},
	// Purple: apart from stackctl's blue and Compose's orange.
	toolStackDeploy: color.RGBA{R: 0x6a, G: 0x3d, B: 0x9a, A: 0xff},
	// A lighter blue: stackctl still, with the classic builder.
	toolStackctlClassic: color.RGBA{R: 0x8e, G: 0xbc, B: 0xe6, A: 0xff},
}

// toolLegend is how the charts' legends name each tool.
var toolLegend = map[string]string{
	"stackctl":          "stackctl",
	"compose":           "Docker Compose",
	floorTool:           "postgres alone (floor)",
	toolStackDeploy:     "docker stack deploy",
	toolStackctlClassic: "stackctl, classic builder",
}

var chartTools = []string{"stackctl", toolStackctlClassic, "compose", floorTool, toolStackDeploy}

// chartLabels are the scenario charts' short names of the rows.
var chartLabels = map[string]string{
	metricColdUp:             "cold up",
	metricColdUpReturned:     "cold up:\ncommand returned",
	metricFirstUp:            "first up\n(initdb)",
	metricFirstReturned:      "first up:\ncommand returned",
	metricNoopUp:             "no-op up",
	metricCrash:              "crash ->\nweb 200",
	metricCrashDBReady:       "crash ->\ndb ready",
	metricRedeploy:           "redeploy\nunder load",
	metricRedeployFailed:     "redeploy",
	metricRedeployGap:        "redeploy:\nlongest gap",
	metricEdgeRedeploy:       "redeploy\nbehind edge",
	metricEdgeRedeployFailed: "redeploy\nbehind edge",
	metricEdgeRedeployGap:    "edge redeploy:\nlongest gap",
	metricDown:               "down -v",
	metricForeignUp:          "foreign file\nup",
	metricForeignDown:        "foreign file\ndown -v",
	metricLoadConfig:         "stackctl config\n(new process)",
	metricLoadStart:          "stackctl --help\n(the start alone)",
	metricLoadPlan:           "load + plan\n(new process)",
	metricLoadPlanWarm:       "load + plan\n(warm process)",
	metricFloorTCP:           "postgres start\n(TCP probe)",
	metricFloorExec:          "postgres start\n(exec probe)",
	metricEditServing:        "one-line change ->\nnew version answers",
	metricEditReturned:       "one-line change:\ncommand returned",
	metricWatchGoServing:     "Go app, rebuild:\nchange answers",
	metricWatchGoFailed:      "Go app, rebuild",
	metricWatchGoGap:         "Go app, rebuild:\nlongest gap",
	metricWatchPyServing:     "Python app,\nsync+restart:\nchange answers",
	metricWatchPyFailed:      "Python app,\nsync+restart",
	metricWatchPyGap:         "Python app,\nsync+restart:\nlongest gap",
}

// scenarioChart is one bar chart: its rows and what its axis says.
type scenarioChart struct {
	file, title, unit string
	metrics           []string
}

// scenarioCharts sorts the measured rows into charts by unit and range.
func (r *Report) scenarioCharts() []scenarioChart {
	charts := []scenarioChart{
		{file: chartScenariosUnder1s, title: "stackctl and Docker Compose: scenarios whose slower median is under 1 s", unit: "seconds"},
		{file: chartScenarios1To10s, title: "stackctl and Docker Compose: scenarios whose slower median is 1 to 10 s", unit: "seconds"},
		{file: chartScenariosOver10s, title: "stackctl and Docker Compose: scenarios whose slower median is 10 s or more", unit: "seconds"},
		{file: chartScenariosMillis, title: "stackctl: loading the built-in stack's file", unit: "milliseconds"},
		{file: chartScenariosRequests, title: "stackctl and Docker Compose: requests that failed during a redeploy", unit: "requests"},
	}
	rows := slices.Clone(metricRows)
	for _, f := range floorRows {
		rows = append(rows, metricRow{f.metric, f.title, unitSeconds, ""})
	}
	for _, row := range rows {
		if !r.measured(row.metric) {
			continue
		}
		var largestMedian float64
		for _, tool := range chartTools {
			if s, ok := r.summary(row.metric, tool); ok {
				largestMedian = math.Max(largestMedian, s.Median)
			}
		}
		i := 0
		switch {
		case row.unit == unitMillis:
			i = 3
		case row.unit == unitRequests:
			i = 4
		case largestMedian >= 10:
			i = 2
		case largestMedian >= 1:
			i = 1
		}
		charts[i].metrics = append(charts[i].metrics, row.metric)
	}
	// No request failed in any redeploy: nothing to draw.
	failed := 0.0
	for _, m := range charts[4].metrics {
		for _, tool := range chartTools {
			if s, ok := r.summary(m, tool); ok {
				failed = math.Max(failed, s.Max)
			}
		}
	}
	if failed == 0 {
		charts[4].metrics = nil
	}
	return slices.DeleteFunc(charts, func(c scenarioChart) bool { return len(c.metrics) == 0 })
}

// WriteCharts renders the report's charts into dir as PNG files and returns
// their paths. Only charts the report has data for are written; others
// already in dir are left as they are.
func (r *Report) WriteCharts(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make the charts' directory: %w", err)
	}
	var written []string
	var errs []error
	save := func(f figure, name string) {
		path := filepath.Join(dir, name)
		if err := f.save(path); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", path, err))
			return
		}
		written = append(written, path)
	}
	for _, c := range slices.Concat(r.scenarioCharts(), r.editChart(), r.watchCharts(), r.swarmCharts()) {
		p, w, err := r.barChart(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("chart %s: %w", c.file, err))
			continue
		}
		save(figure{w: w, h: 5 * vg.Inch, panels: []*plot.Plot{p}}, c.file)
	}
	if len(r.growthSizes()) > 0 {
		for _, g := range []struct {
			file string
			make func() (figure, error)
		}{
			{chartGrowthColdUp, r.growthColdUpChart},
			{chartGrowthNoopUp, r.growthNoopUpChart},
			{chartGrowthRSS, r.growthRSSChart},
		} {
			f, err := g.make()
			if err != nil {
				errs = append(errs, fmt.Errorf("chart %s: %w", g.file, err))
				continue
			}
			save(f, g.file)
		}
	}
	return written, errors.Join(errs...)
}

// figure is one PNG file: one plot, or a plot and a second panel below it
// that zooms in on stackctl (a third of the height).
type figure struct {
	w, h   vg.Length
	panels []*plot.Plot
}

func (f figure) save(path string) error {
	if len(f.panels) == 1 {
		return f.panels[0].Save(f.w, f.h, path)
	}
	img := vgimg.New(f.w, f.h)
	dc := draw.New(img)
	split := f.h * 0.38
	f.panels[0].Draw(draw.Crop(dc, 0, 0, split, 0))
	f.panels[1].Draw(draw.Crop(dc, 0, 0, 0, -(f.h-split)-vg.Points(10)))
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// caption says where a chart's numbers come from: when, how many rounds,
// on what, how busy.
func (r *Report) caption() string {
	when := r.Started.Format("2006-01-02T15:04Z07:00")
	text := fmt.Sprintf("run of %s, %d round", when, r.Rounds)
	if r.Rounds != 1 {
		text += "s"
	}
	if m := r.Machine; m != nil {
		text += fmt.Sprintf("; %d CPUs, %.0f GiB; 1-min load average %.1f at the start, %.1f at the end, %.1f at most",
			m.CPUs, m.MemoryGiB, m.LoadStart[0], m.LoadEnd[0], m.LoadMax1)
	}
	return text
}

func newChart(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.Padding = vg.Points(8)
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Padding = vg.Points(3)
	p.Legend.XOffs = vg.Points(8)
	p.Legend.YOffs = -vg.Points(4)
	p.X.Label.TextStyle.Font.Size = vg.Points(9)
	p.Y.Label.TextStyle.Font.Size = vg.Points(11)
	return p
}

// rangeData is points with their min and max, for whiskers.
type rangeData struct {
	plotter.XYs
	plotter.YErrors
}

// barChart draws one bar per tool and row: the median, with a whisker from
// min to max, the median's value above the whisker. It returns the plot and
// the width it reads well at.
func (r *Report) barChart(c scenarioChart) (*plot.Plot, vg.Length, error) {
	p := newChart(c.title + "\nbars and figures: median; whiskers: min to max")
	p.Y.Label.Text = c.unit
	p.X.Label.Text = r.caption()
	// Tools present in this chart, in a fixed order.
	var tools []string
	for _, tool := range chartTools {
		for _, m := range c.metrics {
			if _, ok := r.summary(m, tool); ok && !slices.Contains(tools, tool) {
				tools = append(tools, tool)
			}
		}
	}
	slices.SortFunc(tools, func(a, b string) int { return slices.Index(chartTools, a) - slices.Index(chartTools, b) })
	const groupWidth = 0.8
	barWidth := groupWidth / float64(len(tools))
	bars := map[string][]plotter.XYs{}
	ranges := map[string]*rangeData{}
	labels := map[string]*plotter.XYLabels{}
	var top float64
	names := make([]string, len(c.metrics))
	for g, m := range c.metrics {
		names[g] = chartLabels[m]
		if label, ok := swarmChartLabel(m); ok {
			names[g] = label
		}
		var present []string
		for _, tool := range tools {
			if _, ok := r.summary(m, tool); ok {
				present = append(present, tool)
			}
		}
		for i, tool := range present {
			s, _ := r.summary(m, tool)
			x := float64(g) + (float64(i)-float64(len(present)-1)/2)*barWidth
			med, lo, hi := s.Median, s.Min, s.Max
			half := barWidth * 0.45
			bars[tool] = append(bars[tool], plotter.XYs{{X: x - half, Y: 0}, {X: x - half, Y: med}, {X: x + half, Y: med}, {X: x + half, Y: 0}})
			if ranges[tool] == nil {
				ranges[tool] = &rangeData{}
				labels[tool] = &plotter.XYLabels{}
			}
			ranges[tool].XYs = append(ranges[tool].XYs, plotter.XY{X: x, Y: med})
			ranges[tool].YErrors = append(ranges[tool].YErrors, struct{ Low, High float64 }{med - lo, hi - med})
			labels[tool].XYs = append(labels[tool].XYs, plotter.XY{X: x, Y: hi})
			labels[tool].Labels = append(labels[tool].Labels, barFigure(med, c.unit))
			top = math.Max(top, hi)
		}
	}
	for _, tool := range tools {
		var first *plotter.Polygon
		for _, bar := range bars[tool] {
			poly, err := plotter.NewPolygon(bar)
			if err != nil {
				return nil, 0, err
			}
			poly.Color = toolColors[tool]
			poly.LineStyle.Width = 0
			p.Add(poly)
			if first == nil {
				first = poly
			}
		}
		errBars, err := plotter.NewYErrorBars(ranges[tool])
		if err != nil {
			return nil, 0, err
		}
		errBars.LineStyle.Width = vg.Points(1.2)
		errBars.CapWidth = vg.Points(6)
		text, err := plotter.NewLabels(labels[tool])
		if err != nil {
			return nil, 0, err
		}
		for i := range text.TextStyle {
			text.TextStyle[i].Font.Size = vg.Points(8)
			text.TextStyle[i].XAlign = draw.XCenter
		}
		text.Offset = vg.Point{Y: vg.Points(4)}
		p.Add(errBars, text)
		p.Legend.Add(toolLegend[tool], first)
	}
	p.NominalX(names...)
	p.X.Tick.Label.Font.Size = vg.Points(10)
	p.X.Min, p.X.Max = -0.6, float64(len(c.metrics))-0.4
	// Room above the tallest whisker for its figure and for the legend.
	p.Y.Min = 0
	p.Y.Max = top * (1.18 + 0.09*float64(len(tools)))
	if top == 0 {
		p.Y.Max = 1
	}
	p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	p.Add(grid)
	width := max(7*vg.Inch, vg.Length(len(c.metrics))*1.35*vg.Inch)
	return p, width, nil
}

// barFigure formats a median for a bar's label: three significant digits.
func barFigure(v float64, unit string) string {
	if unit == "requests" {
		return fmt.Sprintf("%.0f", v)
	}
	return figure3(v)
}

// figure3 is v to three significant digits (whole numbers from 100 on).
func figure3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// growthSeries is one tool's medians and ranges of a growth metric over
// the sizes, scaled.
func (r *Report) growthSeries(base, tool string, scale float64) *rangeData {
	d := &rangeData{}
	for _, n := range r.growthSizes() {
		s, ok := r.summary(growthMetric(base, n), tool)
		if !ok {
			continue
		}
		d.XYs = append(d.XYs, plotter.XY{X: float64(n), Y: s.Median * scale})
		d.YErrors = append(d.YErrors, struct{ Low, High float64 }{(s.Median - s.Min) * scale, (s.Max - s.Median) * scale})
	}
	return d
}

// growthLine is one metric of a growth chart: its base name and how the
// legend calls it ("" when the chart has one).
type growthLine struct {
	base, name string
	// hollow draws its points as rings, to tell it from the chart's other
	// metric of the same tool.
	hollow bool
}

// growthChart draws, per tool and metric, the medians over the number of
// services joined by a line, with min-max whiskers; fit adds each tool's
// least-squares line of the first metric, target a dotted line at
// stackctl's target.
func (r *Report) growthChart(title, unit string, tools []string, lines []growthLine, scale float64,
	fit bool, target float64, targetLabel string) (*plot.Plot, error) {
	p := newChart(title)
	p.Y.Label.Text = unit
	p.X.Label.Text = "services in the stack (" + growthImage + ", half a chain of health gates, half fanned off it)\n" + r.caption()
	var top float64
	entries := 0
	for _, tool := range tools {
		for _, gl := range lines {
			d := r.growthSeries(gl.base, tool, scale)
			if len(d.XYs) == 0 {
				continue
			}
			line, points, err := plotter.NewLinePoints(d.XYs)
			if err != nil {
				return nil, err
			}
			line.Color = toolColors[tool]
			line.Width = vg.Points(1.5)
			points.Color = toolColors[tool]
			points.Shape = draw.CircleGlyph{}
			if gl.hollow {
				points.Shape = draw.RingGlyph{}
				line.Dashes = []vg.Length{vg.Points(6), vg.Points(2)}
			}
			points.Radius = vg.Points(3)
			errBars, err := plotter.NewYErrorBars(d)
			if err != nil {
				return nil, err
			}
			errBars.Color = toolColors[tool]
			p.Add(line, points, errBars)
			name := toolLegend[tool]
			if gl.name != "" {
				name += " " + gl.name
			}
			p.Legend.Add(name+" (median, min-max)", line, points)
			entries++
			for i, xy := range d.XYs {
				top = math.Max(top, xy.Y+d.YErrors[i].High)
			}
		}
		if !fit {
			continue
		}
		if f, ok := r.growthFit(lines[0].base, tool); ok {
			fn := plotter.NewFunction(func(x float64) float64 { return (f.Intercept + f.Slope*x) * scale })
			fn.Color = toolColors[tool]
			fn.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			fn.Width = vg.Points(1)
			sizes := r.growthSizes()
			fn.XMin, fn.XMax = float64(sizes[0]), float64(sizes[len(sizes)-1])
			p.Add(fn)
			p.Legend.Add(fmt.Sprintf("%s least-squares fit: %s s per service", toolLegend[tool], figure3(f.Slope)), fn)
			entries++
		}
	}
	if target > 0 {
		fn := plotter.NewFunction(func(float64) float64 { return target })
		fn.Color = toolColors["stackctl"]
		fn.Dashes = []vg.Length{vg.Points(1), vg.Points(3)}
		fn.Width = vg.Points(1.5)
		p.Add(fn)
		p.Legend.Add(targetLabel, fn)
		entries++
		top = math.Max(top, target)
	}
	sizes := r.growthSizes()
	ticks := make([]plot.Tick, 0, len(sizes))
	for _, n := range sizes {
		ticks = append(ticks, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = 0, float64(sizes[len(sizes)-1])+1
	// Room above the data for the legend, top left.
	p.Y.Min = 0
	p.Y.Max = top * (1.1 + 0.07*float64(entries))
	if top == 0 {
		p.Y.Max = 1
	}
	p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	p.Add(plotter.NewGrid())
	return p, nil
}

// growthFigure is a growth chart of both tools and, when stackctl's line
// lies in the bottom fifth of it (its numbers unreadable next to
// Compose's), a second panel below of stackctl alone, on its own scale.
func (r *Report) growthFigure(title, unit string, lines []growthLine, scale float64, fit bool, target float64, targetLabel string) (figure, error) {
	both, err := r.growthChart(title, unit, []string{"stackctl", "compose"}, lines, scale, fit, target, targetLabel)
	if err != nil {
		return figure{}, err
	}
	f := figure{w: 8 * vg.Inch, h: 5 * vg.Inch, panels: []*plot.Plot{both}}
	var stackctlTop float64
	for _, gl := range lines {
		d := r.growthSeries(gl.base, "stackctl", scale)
		for i, xy := range d.XYs {
			stackctlTop = math.Max(stackctlTop, xy.Y+d.YErrors[i].High)
		}
	}
	if stackctlTop == 0 || stackctlTop > both.Y.Max/5 {
		return f, nil
	}
	// The target line only where it is in the zoomed panel's range.
	zoomTarget, zoomLabel := target, targetLabel
	if target > stackctlTop*1.5 {
		zoomTarget, zoomLabel = 0, ""
	}
	zoom, err := r.growthChart("the same, stackctl alone", unit, []string{"stackctl"}, lines, scale, fit, zoomTarget, zoomLabel)
	if err != nil {
		return figure{}, err
	}
	zoom.Title.TextStyle.Font.Size = vg.Points(11)
	// The run's caption once, at the bottom of the figure.
	zoom.X.Label.Text = both.X.Label.Text
	both.X.Label.Text = "services in the stack"
	f.h = 8 * vg.Inch
	f.panels = append(f.panels, zoom)
	return f, nil
}

func (r *Report) growthColdUpChart() (figure, error) {
	return r.growthFigure("Cold up as the stack grows: nothing -> every service healthy", "seconds",
		[]growthLine{{base: metricGrowthColdUp}}, 1, true, 0, "")
}

func (r *Report) growthNoopUpChart() (figure, error) {
	return r.growthFigure("No-op up as the stack grows: everything running and healthy", "milliseconds",
		[]growthLine{{base: metricGrowthNoopUp}}, 1000, false,
		millis(growthNoopTarget), fmt.Sprintf("stackctl's target at %d services: under %s", growthTargetSize, growthNoopTarget))
}

func (r *Report) growthRSSChart() (figure, error) {
	return r.growthFigure("Peak memory of the tool's process as the stack grows", "MiB (max RSS)",
		[]growthLine{{base: metricGrowthColdRSS, name: "cold up"}, {base: metricGrowthNoopRSS, name: "no-op up", hollow: true}},
		1, false, growthRSSTarget, fmt.Sprintf("stackctl's target at %d services: %.0f MiB", growthTargetSize, growthRSSTarget))
}

// niceTicks marks an axis from min to max with 4 to 8 labelled ticks at
// round steps (1, 2, 2.5 or 5 times a power of ten) and unlabelled ones
// between them, labelled with as many decimals as the step needs.
func niceTicks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if span <= 0 || math.IsInf(span, 0) || math.IsNaN(span) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := 0.0
	for exp := math.Floor(math.Log10(span)) - 2; step == 0; exp++ {
		for _, m := range []float64{1, 2, 2.5, 5} {
			if s := m * math.Pow(10, exp); span/s <= 8 {
				step = s
				break
			}
		}
	}
	decimals := 0
	for d := step; d < 1 && decimals < 6; d *= 10 {
		decimals++
	}
	if step*math.Pow(10, float64(decimals)) != math.Round(step*math.Pow(10, float64(decimals))) {
		decimals++ // 2.5, 0.25, ...
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconvFloat(v, decimals)})
		if minor := v + step/2; minor <= hi {
			ticks = append(ticks, plot.Tick{Value: minor})
		}
	}
	return ticks
}

func strconvFloat(v float64, decimals int) string {
	if math.Abs(v) < 1e-12 {
		v = 0
	}
	return fmt.Sprintf("%.*f", decimals, v)
}

// chartNames are the files WriteCharts may write for the single-engine
// suites, for documentation and tests (a swarm comparison's: swarmCharts).
func chartNames() []string {
	return []string{chartScenariosUnder1s, chartScenarios1To10s, chartScenariosOver10s, chartScenariosMillis,
		chartScenariosRequests, chartGrowthColdUp, chartGrowthNoopUp, chartGrowthRSS}
}
