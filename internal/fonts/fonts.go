// Package fonts holds the Korean-capable fonts embedded in the binary: Noto
// Sans CJK KR, Regular and Bold, subset to Latin and the Hangul of KS X
// 1001 (README.md), under the SIL Open Font License (OFL.txt). The e-mail's
// charts draw with them (reports/chart) and the web app serves them to
// browsers that have no Korean font of their own (web).
package fonts

import _ "embed"

var (
	//go:embed NotoSansCJKkr-Regular.subset.otf
	Regular []byte
	//go:embed NotoSansCJKkr-Bold.subset.otf
	Bold []byte
)
