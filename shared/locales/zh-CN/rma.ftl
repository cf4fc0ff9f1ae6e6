# 产品的中文文案。这里的每个 id 在 en/rma.ftl 中都有，变量相同（有测试检查）。
# 机器输出（--json、接口、同步）里的键、代码和时间不取自这里。

## 数量

units-count = { $count } 台
tickets-count = { $count } 张工单

## 工单状态与设备状态

status = { $status ->
    [registered] 已登记
    [assessed] 已评估
    [received] 已收货
    [in_repair] 维修中
    [inspected] 已检验
    [shipped] 已发货
    [confirmed] 已确认
    [closed] 已结案
    [archived] 已归档
    [on_hold] 已暂停
   *[cancelled] 已取消
}
unit-state = { $state ->
    [received] 已收货
    [stored] 已入库
    [in_repair] 维修中
    [awaiting_inspection] 待检验
    [passed] 检验合格
    [failed] 检验不合格
    [packed] 已包装
   *[shipped] 已发货
}
unit-phrase = { $state ->
    [received] 已收货但尚未放入库位
    [stored] 在库中
    [in_repair] 正在维修
    [awaiting_inspection] 正在等待检验
    [passed] 已检验合格
    [failed] 检验不合格
    [packed] 已包装
   *[shipped] 已发货
}
location = { $place ->
    [receiving] 收货区
    [package] 已装箱
    [shipped] 已发出
   *[other] { $place }
}
location-bench = { $name } 的维修台

## 规程时限

deadline = { $deadline ->
    [forward] 转交售后（2.2）
    [assessment] 首次评估（2.3）
   *[confirmation] 与客户确认收货（5.2）
}

## 登记、评估、检验、费用

field = { $field ->
    [customer] 客户
    [contact] 联系方式
    [email] 电子邮件
    [phone] 手机号码
    [customer_lang] 客户语言
   *[fault] 故障描述
}
request = { $request ->
    [repair] 维修
    [replace] 换货
   *[refund] 退款
}
severity = { $severity ->
    [simple] 简单故障
   *[complex] 复杂故障
}
verdict = { $verdict ->
    [pass] 合格
   *[fail] 不合格
}
cost-kind = { $kind ->
    [repair] 维修费
    [shipping] 运费
    [packaging] 包装费
   *[parts] 配件费
}
payer = { $payer ->
    [company] 公司
    [customer] 客户
   *[supplier] 供应商
}
liability = { $liability ->
    [quality_defect] 质量问题
   *[misuse] 客户使用不当或损坏
}

## 每一步的一行说明（用于历史记录和冲突报告）

event-registered = 登记了退货
event-edited = 将{ $field }改为“{ $value }”
event-forwarded = 将登记转交售后
event-assessed-simple = 完成评估：简单故障
event-assessed-complex = 完成评估：复杂故障，联合评审
event-received = 收货 { $count } 台
event-received-into = 收货 { $count } 台，放入 { $area }
event-moved = 将 { $unit } 移至 { $to }
event-assigned = 将 { $units } 分派给维修员 { $repairer }
event-repaired-finished = { $unit } 的维修记录：{ $minutes } 分钟，待检验
event-repaired-continues = { $unit } 的维修记录：{ $minutes } 分钟，继续维修
event-parts-requested = 申请配件：{ $parts }
event-inspected = 检验 { $unit }：{ $verdict }（检验员 { $inspector }）
event-ship-noticed = 发货通知：{ $date } 以{ $method }发出
event-packed = 包装 { $units }
event-shipped = 已交 { $carrier } 发运，运单号 { $tracking }
event-confirmed = 客户确认于 { $date } 收货，满意度 { $satisfaction }/5
event-cost = 费用：{ $kind } { $amount }，由{ $payer }承担
event-closed = 工单结案
event-archived = 已归档，由 { $keeper } 保管至 { $until }
event-held = 暂停：{ $reason }
event-resumed = 恢复处理
event-cancelled = 取消：{ $reason }
event-conflict-resolved = 已处理事件 { $event } 的冲突：{ $note }
event-scanned = 扫描 { $code }
event-attached-photo = 添加了照片（{ $step }）{ $captioned ->
    [no] {""}
   *[yes] ：{ $caption }
}
event-attached-document = 添加了文件（{ $step }）{ $captioned ->
    [no] {""}
   *[yes] ：{ $caption }
}
event-labels-printed = 在 { $printer } 上打印标签 { $codes }（共 { $count } 张，每张 { $copies } 份）

## 规程不允许此步骤的原因（条款、章节、下一步怎么做）

refusal-already_registered = 此工单已登记过
refusal-not_registered = 此工单没有登记信息：文档已损坏
refusal-archived = 此工单已归档（规程第 8 条）：归档记录不能再修改
refusal-cancelled = 此工单已取消（{ $reason }）：只能再记录费用、更正信息或归档
refusal-closed = 此工单已结案：只能再记录费用、更正信息或归档
refusal-on_hold = 此工单已暂停（{ $reason }）：请先用 `rma-agent resume` 恢复
refusal-already_held = 此工单已经是暂停状态
refusal-not_held = 此工单没有暂停
refusal-already_forwarded = 登记信息已经转交售后
refusal-already_assessed = 此工单已于 { $on } 评估过（规程 2.3 只要求一次首次评估）
refusal-not_assessed = 规程 2.3：必须先完成首次评估，才能{ $step ->
    [receive] 收货
    [assign] 分派维修
   *[parts] 申请配件
}；请先执行 `rma-agent assess`
refusal-complex_needs_plan = 规程 2.3：复杂故障须由技术部和生产部联合评估并制定维修方案；请用 --plan 填写方案
refusal-already_received = 此工单的设备已收货并编号
refusal-unit_not_of_ticket = 设备 { $unit } 不属于工单 { $ticket }
refusal-unknown_unit = 设备 { $unit } 尚未收货：用 `rma-agent show` 查看此工单的设备
refusal-cannot_move = 设备 { $unit } { $phrase }：现在不能移动（已包装和已发货的设备随包装箱走）
refusal-cannot_assign = 设备 { $unit } { $phrase }：只有已收货、在库或检验不合格的设备才能分派给维修员
refusal-not_assigned = 规程 3.1：设备 { $unit } { $phrase }，且未分派给维修员；请先用 `rma-agent assign` 分派
refusal-cannot_repair = 设备 { $unit } { $phrase }：现在不能填写维修记录
refusal-not_repaired = 规程 3.4：只有修好的设备才能检验；设备 { $unit } { $phrase }（请先用 `rma-agent repair` 记录完成的维修）
refusal-not_passed = 规程 3.4 和 4.1：只有检验合格的设备才能发货；设备 { $unit } { $phrase }
refusal-not_packed = 规程 4.2：设备 { $unit } { $phrase }，但还没有包装；请先用 `rma-agent pack` 包装
refusal-no_ship_notice = 规程 4.1：包装前须由销售部发出发货通知；请先执行 `rma-agent ship-notice`
refusal-no_units = 规程 4.1：此工单还没有任何设备收货，无可发货
refusal-not_shipped = 规程 5.2：所有设备发货后才能确认收货
refusal-already_confirmed = 已经确认过收货
refusal-already_answered = 客户已经填写过满意度调查（每次返修只能填写一次）
refusal-not_confirmed = 规程 5.2：结案前须与客户确认收货（`rma-agent confirm`）
refusal-not_closed = 规程第 8 条：只有已结案或已取消的工单才能归档；请先结案
refusal-already_shipped = 已有设备发货的工单不能取消
refusal-unknown_conflict = 事件 { $event } 没有待处理的冲突
refusal-not-allowed = 不允许：{ $reason }
bad-empty-field = 登记字段不能清空
bad-no-units = 收货记录至少要有一台设备
bad-unit-order = 收货记录中的设备须按 1、2、3……顺序编号
bad-assignment = 分派须写明维修员和设备
bad-no-parts = 配件申请至少要有一种配件
bad-no-inspector = 检验须有检验员签名
bad-pack-nothing = 包装至少要有一台设备
bad-no-carrier = 规程 4.3：发货须填写承运商和运单号
bad-satisfaction = 满意度为 1 到 5 分
bad-zero-cost = 费用金额不能为零
bad-not-a-label = 编码 { $code } 不是工单 { $ticket } 的标签

## 代理程序的文字输出（show、history、list、areas）

out-status-line = 工单 { $ticket } 现在：{ $status }。
out-status-line-units = 工单 { $ticket } 现在：{ $status }（全部 { $count } 台{ $state }）。
out-customer = 客户
out-model = 型号
out-model-line = { $model } × { $quantity }，客户要求{ $request }
out-fault = 故障
out-registered = 登记
out-registered-line = { $at }，{ $by } 于 { $site }
out-forwarded = 转交
out-forwarded-line = { $at } 转交售后
out-assessed = 评估
out-assessed-joint = 复杂故障，与 { $people } 联合评审
out-handling = 处理方式
out-plan = 维修方案
out-received = 收货
out-received-line = { $model } 共 { $count } 台（{ $at }，{ $by }），外观：{ $appearance }
out-discrepancy = 差异
out-on-hold = 已暂停
out-cancelled = 已取消
out-units = 设备
out-inspections = 检验 { $count } 次
out-repair-minutes = 维修 { $minutes } 分钟
out-repair = 维修
out-repair-line = { $at } { $by }：{ $steps }（{ $minutes } 分钟）
out-repair-parts = 配件：{ $parts }
out-found = 发现：{ $findings }
out-inspect = 检验
out-inspect-line = { $at } { $verdict }，检验员 { $inspector }
out-parts-requests = 配件申请
out-shipping = 发货与回访
out-feedback = 客户反馈：{ $feedback }
out-not-working = 客户反映设备仍不能正常工作
out-costs = 费用
out-cost-for = 设备 { $unit }
out-paid-by = 由{ $payer }承担
out-total = 合计
out-finished = 结案
out-overdue = 已超期
out-was-due = { $deadline } 应于 { $due } 前完成
out-conflicts = 离线修改之间有冲突（须由人决定）
out-conflict = 事件 { $event }：{ $by } 在 { $site }（{ $at }）{ $what }，未生效：
out-conflict-settle = 处理方法：rma-agent resolve { $ticket } --event { $event } --note "处理决定"
out-field-conflict = { $field }在两个站点同时被修改：{ $values }（用 `rma-agent edit` 更正）
out-unreadable = 有 { $count } 个步骤由新版 rma-agent 记录，这里无法显示；请更新本机程序。
out-history-of = { $ticket } 的历史记录
out-conflict-open = 冲突，未生效
out-conflict-resolved = （冲突，已处理）
out-no-tickets = 没有符合条件的工单。
out-col-ticket = 工单
out-col-status = 状态
out-col-customer = 客户
out-col-model = 型号
out-col-qty = 数量
out-col-units = 设备
out-col-area = 库位
out-col-name = 名称
out-more-units = 另有 { $count } 台
out-flag-overdue = 超期 { $deadlines }
out-flag-conflicts = { $count } 个冲突
out-more-tickets = （还有更多符合条件的工单：请缩小筛选范围，或用 --limit 0 显示全部）
out-no-areas = 还没有库位：用 `rma-agent area add 编码` 添加。

## 代理程序的命令

error-prefix = 错误：
scan-already-in = { $unit } 已在 { $area }。
scan-moved = { $unit } 已移至 { $area }。{ $status }
scan-just-scanned = 刚刚已扫描过 { $code }。
scan-unit-at = { $unit }：{ $state }，{ $place }。
scan-customer = 客户：{ $customer }。
cost-added = 已为 { $ticket } 添加{ $kind } { $amount }，由{ $payer }承担。
edit-changed = 已修改 { $ticket } 的{ $field }。

## 办公室页面：框架、登录

brand = 返修管理（办公室）
nav-board = 看板
nav-analysis = 月度分析
nav-costs = 费用台账
nav-sites = 站点
log-out = 退出登录
back-to-board = 返回看板
cross-site = 此表单来自其他网站；请在本服务器的页面上重新提交。
role = { $role ->
    [sales] 销售部
    [after_sales] 售后服务部
    [technical] 技术部
    [production] 生产部
    [procurement] 采购部
    [finance] 财务部
    [head] 负责人
   *[admin] 管理员
}
age-minutes = { $count } 分钟
age-hours = { $count } 小时
age-days = { $count } 天
login-title = 登录
login-name = 用户名
login-password = 密码
login-button = 登录
login-no-account = 没有账号？请管理员用以下命令添加：
login-too-many = 密码错误次数过多。请等待 { $minutes } 分钟后再试。
login-wrong = 用户名或密码错误，请重试。
login-failed = 服务器无法核对密码；请查看服务器日志。

## 看板

store-unreadable = 服务器无法读取数据；请查看服务器日志。
col-ticket = 工单
col-customer = 客户
col-model = 型号
col-quantity = 数量
col-status = 状态
col-site = 站点
col-area = 库位
board-no-such-ticket = 服务器上还没有工单 { $number }。
board-search-failed = 无法搜索；请查看服务器日志。
board-not-a-number = “{ $text }”不是工单号或设备编号（格式如 WH1-2026-00042 或 WH1-2026-00042-1）。
board-not-a-status = “{ $text }”不是有效状态；显示全部状态。
board-all = 全部
board-overdue = 超期
board-ticket-or-unit = 工单或设备
board-any = 全部
board-overdue-only = 只看超期
board-show = 查询
board-clear = 清除
board-units = 设备（状态、位置）
board-age = 已过时间
board-overdue-flag = 超期：{ $deadline }
board-newer = 较新
board-older = 较早
board-page = 第 { $page } 页
board-updated = 更新于 { $time }（{ $zone }）；看板每 15 秒自动刷新。

## 工单页面

not-yet = 尚未进行
col-when = 时间
col-what = 内容
col-who = 操作人
ticket-title = 工单 { $number }
ticket-not-a-number-title = 不是工单号
ticket-not-a-number = “{ $text }”不是工单号（格式如 WH1-2026-00042）。
ticket-unreadable-title = 工单无法读取
ticket-unreadable = 无法读取工单 { $number }；请查看服务器日志。
ticket-none-title = 没有此工单
ticket-none = 服务器上还没有工单 { $number }。如果是站点离线创建的，该站点同步后就会出现。
ticket-unknown-label = 无法识别的标签
ticket-who = { $at }，{ $by } 于 { $site }
ticket-by-at = { $by } 于 { $site }
ticket-conflicts = 离线修改之间的冲突
ticket-conflicts-explain = 两个站点记录的步骤不能同时成立。没有任何记录被丢弃：请站点人员逐条处理，命令为
ticket-conflict = { $by } 在 { $site }（{ $at }）{ $what }：未生效，原因是{ $reason }。
ticket-overdue = 超期：{ $deadline }，应于 { $due } 前完成
ticket-contact = 联系方式
ticket-quantity = 数量
ticket-request = 客户要求
ticket-forwarded = 转交售后
ticket-assessment = 首次评估
ticket-receiving = 收货
ticket-ship-notice = 发货通知
ticket-shipments = 发运
ticket-confirmation = 客户确认
ticket-closed = 结案
ticket-archive = 归档
ticket-unit = 设备
ticket-state = 状态
ticket-location = 位置
ticket-repairer = 维修员
ticket-inspections = 检验次数
ticket-repair-minutes = 维修分钟数
ticket-records = 记录
ticket-no-units = 尚未收到任何设备。
ticket-no-costs = 没有费用记录。
ticket-totals = 合计：
ticket-total = { $amount }，由{ $payer }承担
ticket-history = 历史记录
ticket-conflict-settled = （冲突已处理）
ticket-clock-ahead = 记录时时钟快了 { $span }：按到达时间计
ticket-clock-unsure = 按未经确认的本机时间记录（其时钟曾倒退）

## 站点页面

sites-explain = 站点超过 { $age } 未同步即视为同步超期
sites-none = 还没有登记任何站点：
sites-enrolled = 登记时间
sites-last-sync = 最近同步
sites-not-pulled = 未拉取的更改
sites-waiting = 待推送的更改
sites-sync = 同步
sites-clock = 时钟
sites-clock-right = 正常
sites-clock-ahead = 快 { $span }
sites-clock-behind = 慢 { $span }
sites-revoked = 已于 { $at } 吊销
sites-active = 正常
sites-ago = { $age }前
sites-never = 从未同步
sites-overdue = 超期
sites-ok = 正常
sites-refused = 服务器拒收的工单
sites-refused-explain = 这些工单留在站点，须在站点更正；每次同步的其余部分已正常完成。
sites-why = 原因

## 月度分析（规程第 7 条）及其 CSV

download-csv = 下载 CSV
download-xlsx = 下载 Excel
costs-by-payer = 按付款方合计
costs-by-liability = 按责任合计
analysis-score-column = 评分（1-5）
analysis-confirmations = 确认数
archive-disposed = 销毁日期
chart-nothing = 本月没有数据
chart-by-model = 各型号退回台数
chart-faults = 故障类型（工单数）
chart-scores = 满意度评分
analysis-title = { $month } 月度分析
analysis-month = 月份
analysis-explain = 统计对象为 { $month } 登记的工单。维修时长指设备从收货到检验合格的时间（按日历小时计），只统计本月已检验合格的设备。一次合格率指已检验设备中首次检验即合格的比例。故障类型取首次评估时填写的类型，没有则取客户的故障描述。
analysis-returns = 退货
analysis-returns-line = { $tickets } 张工单，{ $units } 台
analysis-repair-time = 维修时长
analysis-repair-line = 平均 { $average } 小时（共 { $units } 台）；最长 { $longest }
analysis-longest = { $hours } 小时（{ $unit }）
analysis-bench-time = 维修工时
analysis-bench-line = 每台修好的设备平均 { $average } 分钟
analysis-first-pass = 一次检验合格
analysis-first-pass-line = { $percent } %（{ $inspected } 台中 { $passed } 台）
analysis-satisfaction = 客户满意度
analysis-satisfaction-line = 平均 { $average } 分（满分 5 分，共 { $confirmations } 次确认）；{ $working } 台正常工作
analysis-surveys = 客户满意度调查
analysis-surveys-line = 平均 { $average } 分（满分 5 分，共 { $answers } 份答卷）
analysis-score = { $score } 分
analysis-by-model = 各型号退货
analysis-tickets = 工单数
analysis-units = 台数
analysis-fault-types = 故障类型
analysis-fault-type = 故障类型
analysis-feedback = 客户反馈
analysis-no-feedback = 本月没有客户反馈。
csv-section = 类别
csv-item = 项目
csv-value = 数值
csv-all-models = 全部型号
csv-average-hours = 平均小时数
csv-longest-hours = 最长小时数（{ $unit }）
csv-bench-minutes = 平均维修分钟数
csv-inspection = 检验
csv-first-pass = 一次合格率 %
csv-of = { $whole } 台中 { $part } 台
csv-average-of-5 = 平均分（满分 5 分）
csv-working = 维修后正常工作

## 费用台账（规程第 6 条）及其 CSV

costs-forbidden = 费用台账由售后服务部记录、财务部审核（规程第 6 条）；如需查看，请联系这两个部门或负责人。
costs-backwards = 起始月份（{ $from }）晚于结束月份（{ $to }）。
costs-total = 合计
costs-payer = 承担方
costs-kind = 费用类别
costs-from = 起始月份
costs-to = 结束月份
costs-count = { $from } 至 { $to } 共记录 { $count } 条费用。
costs-lines = 费用明细
costs-earlier = 较早
costs-later = 较晚
costs-page = 第 { $page } 页，共 { $pages } 页
costs-amount = 金额
costs-liability = 责任认定
costs-recorded-by = 记录人
costs-recorded-at = 记录时间
costs-note = 备注
costs-currency = 币种

## 无法识别的编码

id-site = “{ $text }”不是站点代码：请用 2 到 10 个字母或数字，以字母开头，例如 WH1
id-ticket = “{ $text }”不是工单号：格式为 站点-年份-序号，例如 WH1-2026-00042
id-unit = “{ $text }”不是设备编号：格式为 工单号-设备序号，例如 WH1-2026-00042-3
id-area = “{ $text }”不是库位编码：请用 1 到 16 个字母、数字、“-”或“.”，例如 SHELF-A1
id-ticket-id = “{ $text }”不是工单标识：应为 32 位十六进制数字
month-error = “{ $text }”不是月份：请写成 年-月，例如 2026-11
label-error = 读到的“{ $text }”不是标签编码：应为 A:库位、U:设备、T:工单或 P:包装（例如 U:WH1-2026-00042-3）

## 标签文字

label-package-model = 型号 { $model } × { $quantity } 台
label-package-customer = 客户：{ $customer }
label-package-date = 发货日期：{ $date }
label-date-open = 待定
label-unit-line = { $model }，第 { $k } 台（共 { $of } 台）

## 每一步完成后的提示

done-archived = 工单 { $ticket } 已归档，由 { $keeper } 保管至 { $until }。
done-assessed = 工单 { $ticket } 已完成评估。
done-assigned = 已将 { $count } 台设备分派给 { $repairer }。
done-cancelled = 工单 { $ticket } 已取消。
done-closed = 工单 { $ticket } 已结案。
done-confirmed = 已确认工单 { $ticket } 收货，满意度 { $satisfaction }/5。
done-forwarded = 已将工单 { $ticket } 转交售后。
done-held = 工单 { $ticket } 已暂停。
done-passed = { $unit } 检验合格。
done-failed = { $unit } 检验不合格，退回维修。
done-moved = 已将 { $unit } 移至 { $to }。
done-packed = 已包装工单 { $ticket } 的 { $count } 台设备。
done-parts = 已向采购部申请 { $count } 项配件。
done-repaired = 已记录 { $unit } 的维修（{ $minutes } 分钟），等待检验。
done-repair-continues = 已记录 { $unit } 的 { $minutes } 分钟工时，设备留在维修台。
done-resolved = 已处理工单 { $ticket } 的冲突。
done-resumed = 工单 { $ticket } 已恢复处理。
done-shipped = 工单 { $ticket } 的 { $count } 台设备已交 { $carrier } 发运，运单号 { $tracking }。
done-ship-notice = 工单 { $ticket } 的发货通知：{ $date } 以{ $method }发出。
done-area = 库位 { $area } 已设置。
done-received = 已收货 { $count } 台，编号 { $count ->
    [1] { $first }
   *[other] { $first } 至 { $last }
}{ $place }。
receive-stored = ，已放入 { $area }
receive-not-stored = （尚未放入库位：请用 `rma-agent move`）
receive-discrepancy = 已记录差异：{ $text }
receive-not-printed = 设备已收货，但标签未打印：{ $why }。稍后可用 `rma-agent label ticket { $ticket } --print` 打印
receive-quantity-differs = 实到 { $arrived } 台，登记 { $registered } 台
receive-model-differs = 型号 { $model }，登记为 { $registered }

## rma-agent status 与 sync

status-site = 站点
status-server = 服务器
status-reachable = { $url }（可连接）
status-unreachable = { $url }（现在无法连接）
status-no-server = 尚未设置（`rma-agent enroll --server 地址 --token 令牌`）
status-last-sync = 最近同步
status-last-sync-line = { $at }（发送 { $sent } 张，接收 { $received } 张）
status-waiting = 待发送
status-waiting-line = { $count } 张工单有更改待发送
status-refused = 被拒收
status-refused-line = 服务器不接收以下 { $count } 张工单的现状：
sync-done = 同步完成，用时 { $ms } 毫秒：发送 { $sent } 张工单（{ $up }），接收 { $received } 张工单（{ $down }）。
sync-refused = 服务器拒收：{ $reason }
sync-pending = 还有 { $count } 张工单等待发送。

## 设置、后台服务、备份、扫描、标签

init-done = 本机已设置为站点 { $site }（数据在 { $data }）。
init-next = 下一步：用 `rma-agent area add 编码` 添加库位，然后用 `rma-agent intake` 登记退货。
enroll-connected = 已连接 { $url }。请执行 `rma-agent sync`（或保持 `rma-agent serve` 运行）。
enroll-saved-offline = 已保存服务器 { $url }，但现在无法连接；工作照常离线进行，能连接时自动同步。
serve-started = 站点 { $site } 的代理程序在 { $url } 运行；本机的命令现在经由它执行。按 Ctrl-C 停止。
stop-done = 已停止服务进程（进程 { $pid }，{ $who }）；此后各命令自行打开存储。
stop-none = 没有服务进程占用此数据文件夹。
serve-by-person = 由人员启动
serve-by-command = 由命令留在后台
serve-no-page = 无维修台页面
serve-held = 已有人员启动的服务进程占用此数据文件夹（进程 { $pid }，自 { $since } 起，{ $page }）：请直接使用它，或先用 `rma-agent stop` 停止
event-clock-corrected = 总部记录：步骤 { $event } 的时间超前于服务器时钟，按到达时间 { $arrived } 计
clock-went-back = 本机时钟倒退了：现在显示 { $now }，而上次同步时显示 { $measured }。请把时钟调正（或开启自动校时），或先同步以重新测量；用 `--force` 可照常记录，但会标为时间不确定
clock-minutes = { $count } 分钟
clock-hours = { $count } 小时
clock-days = { $count } 天
clock-ahead = 本机时钟比服务器快 { $span }。在此期间各步骤按服务器时间记录；请把本机时钟调正，或开启自动校时（Windows：设置 > 时间 > 立即同步；Linux：timedatectl set-ntp true）。
clock-behind = 本机时钟比服务器慢 { $span }。在此期间各步骤按服务器时间记录；请把本机时钟调正，或开启自动校时（Windows：设置 > 时间 > 立即同步；Linux：timedatectl set-ntp true）。
clock-right = 与服务器一致（测量于 { $at }）
clock-not-measured = 尚未测量（首次同步时与服务器对时）
status-clock = 时钟
status-serve = 服务进程
status-serve-none = 无：每条命令自行打开存储
status-serve-person = 由人员启动（进程 { $pid }，自 { $since } 起），维修台页面：{ $page }
status-serve-command = 由命令留在后台（进程 { $pid }，自 { $since } 起；空闲时自动停止，或用 `rma-agent stop` 停止），{ $page }
backup-done = 已将站点 { $site }（{ $keys } 项）备份到 { $path }。
restore-done = 已将站点 { $site } 恢复到 { $data }。请执行 `rma-agent sync` 与服务器同步。
scan-failed = 有 { $count } 次扫描无法使用（见上文）
scan-not-used = 未使用：{ $message }
label-wrote = 已写入 { $file }。
label-sent = 已将 { $count } 张标签发送到 { $printer }（每张 { $copies } 份）。

## 代理程序的数据

store-not-initialised = { $what } 中还没有代理程序数据：请先执行 `rma-agent init --site 站点代码`，或用 --data 指向正确的文件夹
store-already-initialised = 本机已设置为站点 { $what }；工单编号使用站点代码后就不能再更改
store-unknown-ticket = 这里没有工单 { $what }：请核对工单号（`rma-agent list` 列出所有工单）
store-archived-at-server = 工单 { $what } 已在总部归档：档案保存在总部，本站点不再保留（规程第 8 条）。查阅需经批准的查阅申请，请到总部页面办理
store-unknown-area = 库位 { $what } 还没有设置：请用 `rma-agent area add { $what }` 添加
store-area-exists = 库位 { $what } 已存在
store-in-use = 数据文件夹 { $what } 正被另一个程序使用：`rma-agent status` 会显示占用它的服务进程（可用 `rma-agent stop` 停止）；否则请等仍在执行的命令结束

## 与服务器通信

sync-not-enrolled = 本机还没有连接服务器：请向办公室索取令牌，然后执行 `rma-agent enroll --server 地址 --token 令牌`
sync-certificate = 无法确认 { $url } 是正确的服务器：{ $problem }
sync-unreachable = 无法连接服务器 { $url }（工作照常离线进行；稍后再同步）
sync-server-refused = 服务器拒绝同步（{ $status }）：{ $message }
sync-bad-answer = 无法读取服务器的应答：{ $reason }
sync-revoked = 总部已撤销本站点，这台电脑不能再同步；下次同步时会删除总部已有的工单，保留尚未发送的
sync-revoked-let-go = 总部已撤销本站点，这台电脑不能再同步：{ $let_go ->
    [0] 本机已没有总部已有的工单
   *[other] 总部已有的 { $let_go } 张工单已从本机删除
}{ $kept ->
    [0] 。
   *[other] ；{ $kept } 张有尚未发送的步骤，仍留在本机：请总部重新登记本站点（`rma-server site add`），再用新的令牌运行 `rma-agent enroll` 即可发送。
}
sync-lost = 与服务器的连接中断（{ $reason }）；工作照常离线进行，稍后再同步
cert-unknown-issuer = 它的证书由本机不信任的机构签发。如果公司有自己的证书机构，请用 `--ca-cert 文件` 重新登记（证书文件向办公室索取）
cert-wrong-name = 它的证书是为另一个名称签发的。请用证书上的地址重新登记（向办公室询问）
cert-expired = 它的证书已过期或尚未生效。请检查本机的日期和时间；如果正确，须由办公室更新证书
cert-ca-as-server = 它把证书机构的证书当作自己的证书。须由办公室用公司证书机构签发服务器证书（README 中有说明）
cert-not-tls = 该地址不支持 https。请检查地址：也许应为 http://，或端口不对
cert-other = 它的证书被拒绝（{ $reason }）；请联系办公室

## 命令行上的错误

label-bad-address = settings.toml 中 [labels] 下的 address 必须以 https://（或 http://）开头，例如 https://rma.example.com；现在是“{ $address }”
label-sheet-pdf = --sheet 只用于 PDF：请加上 --format pdf
label-no-printer = 还没有设置标签打印机：请用 --print 队列名 或 --print tcp://主机:9100，或在 settings.toml 的 [labels] 下设置 printer
label-needs-file = PNG 和 PDF 标签是文件：请加上 -o 文件名（或用 --print 打印）
label-printer-formats = 打印机接受 ZPL、TSPL、PDF 或 PNG：请加上 --format zpl、tspl、pdf 或 png
label-name-area = 请写明库位，或用 --all
label-not-noted = 未记入工单 { $ticket }：{ $why }
label-write = 无法写入 { $file }
no-units-yet = 工单 { $ticket } 还没有设备：请先用 `rma-agent receive` 收货
units-one-ticket = 一次只能写同一张工单的设备
units-or-ticket = 请只写工单 { $ticket }，或者只写设备编号
edit-nothing = 没有要修改的内容：请用 --customer、--contact 或 --fault
receive-appearance-not-noted = 未记录

## rma-server 的命令

server-listening = rma-server 正在 { $url } 上运行（数据：{ $store }）
server-backup-done = 已将数据（{ $keys } 项）备份到 { $path }。
report-needs-database = 报表的 SQL 表只保存在 PostgreSQL 中；在这种存储上，请用 `rma-server report export --to 目录` 导出为 CSV 文件
report-rebuilt = 已重建报表表：{ $tickets } 张工单，{ $sites } 个站点（模式 rma_report）。
report-granted = 数据库角色 { $role } 现在可以读取模式 rma_report，不能读取存储中的其他内容。
report-exported = 已将报表表（{ $tickets } 张工单，{ $sites } 个站点）导出为 CSV 文件，保存在 { $path }。
server-restore-done = 已将 { $keys } 项数据（{ $made } 的备份）恢复到 { $place }。
server-site-added = 站点 { $code } 已登记。它的令牌（只显示这一次，请保密）：
server-site-next = 在该站点的电脑上执行：
server-site-revoked = 站点 { $code } 已吊销，它的令牌立即失效。该站点的电脑下次同步时会删除总部已有的工单，只保留尚未发送的。
server-user-added = { $name } 现在可以登录办公室页面（{ $role }），地址 { $address }
server-site-exists = 站点 { $what } 已登记；如需签发新令牌，请先吊销
server-unknown-site = 站点 { $what } 未登记
server-reserved-site = { $what } 是总部自己的代码（其记录带有该代码）；请为站点另选一个
server-unknown-ticket = 服务器上没有工单 { $what }
server-actor-taken = 此代理程序实例已登记为站点 { $what }；一个实例只属于一个站点
server-cannot-write = 无法写入 { $what }
server-in-use = 服务器数据文件夹 { $what } 正被另一个程序使用（正在运行的 `rma-server serve`，或仍在执行的命令）：请使用它，或先将其停止
server-user-added-offline = { $name } 可在服务器运行后（`rma-server serve`）登录总部页面（{ $role }）
server-user-removed = 已删除 { $name } 并使其退出登录。
server-no-users = 还没有用户：`rma-server user add 用户名 --role 角色`。
server-col-lag = 未拉取
server-col-pending = 待推送
server-revoked = 已吊销

## 命令行帮助（各选项自己的说明仍在代码中）

help-rma-agent = 返修代理程序：在维修台上离线完成规程的每一步。
help-rma-agent-init = 把本机设置为某个站点的代理程序（只做一次）。
help-rma-agent-intake = 登记客户退货（规程 2.1）。
help-rma-agent-edit = 更正工单的客户、联系方式或故障描述。
help-rma-agent-forward = 把登记转交售后（2.2）。
help-rma-agent-assess = 记录首次评估：简单故障，或复杂故障加联合维修方案（2.3）。
help-rma-agent-receive = 核对、编号并入库到货的设备（2.4）。
help-rma-agent-area = 设置和列出库位。
help-rma-agent-area-add = 设置一个贴标签的库位。
help-rma-agent-area-list = 列出库位及各库位的设备数量。
help-rma-agent-move = 把设备放入库位。
help-rma-agent-assign = 把设备分派给维修员（3.1）。
help-rma-agent-repair = 填写维修记录：步骤、配件、工时（3.2）。
help-rma-agent-parts-request = 向采购部申请配件（3.2）。
help-rma-agent-inspect = 记录检验：合格（签名）或不合格（退回维修）（3.4）。
help-rma-agent-ship-notice = 记录与客户约定的发货方式和日期（4.1）。
help-rma-agent-pack = 包装检验合格的设备（4.2）。
help-rma-agent-ship = 把包裹交给承运商，记录运单号（4.3）。
help-rma-agent-confirm = 记录客户确认收货和满意度（5.2）。
help-rma-agent-cost = 在费用台账中添加一条费用（6）。
help-rma-agent-close = 客户确认收货后结案。
help-rma-agent-archive = 把已结案的工单归档，写明保管人和保存期限（8）。
help-rma-agent-hold = 暂停处理工单。
help-rma-agent-resume = 继续处理已暂停的工单。
help-rma-agent-cancel = 取消不再维修的工单。
help-rma-agent-resolve = 处理两个站点离线操作之间的冲突。
help-rma-agent-show = 显示工单（或设备所属的工单）的全部记录。
help-rma-agent-list = 列出工单，最新的在前。
help-rma-agent-history = 显示工单的每一步：谁、在哪里、什么时候。
help-rma-agent-config = 显示当前生效的设置。
help-rma-agent-demo = 试用：建立一个演示站点，工单按规程走完各步骤。
help-rma-agent-serve = 让本机的代理程序保持运行：命令响应更快，在后台同步，并提供维修台页面。
help-rma-agent-enroll = 用本站点的令牌把代理程序连接到中心服务器。
help-rma-agent-sync = 立即与服务器同步。
help-rma-agent-status = 显示同步状态：服务器、最近同步、待发送的更改、能否连接。
help-rma-agent-stop = 停止占用此数据文件夹的服务进程（`rma-agent status` 会显示是哪一个）。
help-rma-agent-backup = 在代理程序工作时，把本机的全部数据复制到一个文件。
help-rma-agent-restore = 从备份文件恢复数据到一个还没有数据的文件夹。
help-rma-agent-scan = 读取扫描的标签：先扫库位再扫设备，设备就移入该库位；扫设备或工单则显示它。
help-rma-agent-label = 为库位、设备、工单和包裹制作二维码标签（SVG、PNG、PDF、ZPL、TSPL）。
help-rma-agent-label-area = 库位标签（100 × 50 毫米），用 --all 则为所有库位。
help-rma-agent-label-unit = 一台设备的标签（50 × 25 毫米）。
help-rma-agent-label-ticket = 工单中每台设备的标签。
help-rma-agent-label-package = 包裹标签（100 × 70 毫米）：型号、数量、客户、发货日期（4.2）。
help-usage = 用法：
help-commands = 命令
help-options = 选项
help-rma-agent-examples =
    示例（一张工单从登记到归档）：
      rma-agent init --site WH1
      rma-agent area add SHELF-A1 --name "退货货架 A1"
      rma-agent intake --customer "深圳华强" --model X200 --quantity 2 --fault "不开机" --request repair
      rma-agent assess WH1-2026-00001 --severity simple
      rma-agent receive WH1-2026-00001 --area SHELF-A1
      rma-agent assign WH1-2026-00001 --repairer Bob
      rma-agent repair WH1-2026-00001-1 --steps "更换保险丝" --part FUSE-5A:1 --minutes 25
      rma-agent inspect WH1-2026-00001-1 --pass
      rma-agent list --overdue
      rma-agent show WH1-2026-00001

    每个命令都可以离线使用。加上 --json 可得到供程序读取的输出。
help-example = 示例：
help-examples = 示例：
help-help = 显示帮助
help-opt-data = 存放本机工单数据的文件夹
help-opt-json = 以 JSON 格式输出记录，而不是文字
help-opt-user = 你的名字，记录在你做的每一步中
help-opt-config = 使用这个设置文件，而不是数据文件夹中的设置文件
help-opt-lang = 信息的语言：en 或 zh-CN（否则看 RMA_LANG，再看系统语言，最后看设置）；--json 输出不受影响
help-opt-force = 即使本机时钟在上次同步后倒退，也照常记录（标为时间不确定）
help-version = 显示版本
help-rma-server = 返修中心服务器：汇总所有站点的工单。
help-rma-server-serve = 运行服务器。
help-rma-server-site = 登记、列出和吊销站点（代理程序安装）。
help-rma-server-site-add = 登记站点并显示它的令牌（只显示一次：服务器只保存其哈希）。
help-rma-server-site-revoke = 吊销站点的令牌：它的下一个请求就会被拒绝。
help-rma-server-site-list = 列出已登记的站点及其最近同步时间。
help-rma-server-user = 添加、列出和删除登录办公室页面的人员。
help-rma-server-user-add = 添加人员。密码（至少 8 个字符）从标准输入读取：手动输入或用管道传入。
help-rma-server-user-remove = 删除人员；其登录立即失效。
help-rma-server-user-list = 列出人员及其角色。
help-rma-server-backup = 在服务器运行时，把全部数据（工单、同步记录、站点、用户）复制到一个文件。
help-rma-server-restore = 从备份文件恢复数据到空的数据文件夹或数据库（请先停止服务器）。
help-rma-server-migrate = 把数据文件夹中的数据迁移到 PostgreSQL 数据库（请先停止服务器）。
help-rma-server-report = 把办公室的数据以表格形式提供给公司自己的工具：PostgreSQL 上是模式 rma_report（每次同步时更新）；任何存储上都可导出为 CSV 文件。
help-rma-server-report-rebuild = 根据存储重新生成模式 rma_report 中的表（PostgreSQL；服务器可继续运行）。
help-rma-server-report-grant = 允许一个数据库角色读取模式 rma_report，且只能读取它（PostgreSQL）。
help-rma-server-report-export = 把同样的表导出为 CSV 文件，保存到一个文件夹（任何存储，服务器运行与否均可）。
help-opt-rma-server-data = 存放服务器数据的文件夹
help-opt-database = 把数据存放在这个 PostgreSQL 数据库中，而不是数据文件夹（也可用 [database] url 或 RMA_SERVER_DATABASE）
help-opt-listen = 监听的地址
help-opt-tls_cert = 用这个证书提供 HTTPS（PEM 格式；也可在 server.toml 的 [tls] cert 中设置）
help-opt-tls_key = 证书的私钥（PEM 格式；也可在 server.toml 的 [tls] key 中设置）
help-rma-server-examples =
    示例：
      rma-server serve                      # 在 127.0.0.1:8080 上运行，数据在 ./rma-server-data
      rma-server serve --database postgres://rma:PASSWORD@127.0.0.1/rma   # 数据存放在 PostgreSQL
      rma-server serve --listen 0.0.0.0:8443 --tls-cert /etc/rma/cert.pem --tls-key /etc/rma/key.pem
      rma-server site add WH1               # 登记站点；令牌只显示一次
      rma-server site list
      rma-server site revoke WH1            # 令牌立即失效
      rma-server user add li.wei --role finance   # 询问密码（或从标准输入读取）
      rma-server user add zhou --role head --department sales   # 销售部负责人：审批销售部的档案查阅申请
      rma-server user list

    然后，在站点的电脑上：
      rma-agent init --site WH1 --server http://127.0.0.1:8080 --token TOKEN
      rma-agent sync

## 设置、备份、数据

settings-read = 无法读取设置文件 { $path }
settings-parse = 设置文件 { $path } 有误：{ $message }
settings-env = 环境变量 { $name }=“{ $value }”有误：{ $expected }
backup-write = 无法写入备份 { $path }
backup-read = 无法读取备份 { $path }
backup-not-a-backup = { $path } 不是本程序的备份：{ $why }
backup-damaged = { $path } 已损坏：校验和与内容不符；没有恢复任何数据
backup-wrong-kind = { $path } 是 { $found } 的数据备份，不是 { $wanted } 的；没有恢复任何数据
backup-not-empty = 数据中已有内容；备份只能恢复到空的数据文件夹或数据库
kv-locked = { $path } 中的数据正被另一个进程使用；同一时间只能有一个进程打开它
kv-open = 无法打开数据文件夹 { $path }
kv-newer = 数据来自更新的版本（{ $found }，本程序只认识 { $known }）；请更新本程序
kv-failed = 无法读写本地存储
kv-database = 数据库出错：{ $reason }
store-damaged = 存储中的工单 { $ticket } 已损坏：{ $why }
store-folder = 无法创建数据文件夹 { $path }
ca-unreadable = 无法读取 CA 文件 { $path }：{ $reason }
ca-empty = { $path } 中没有证书：CA 文件是以 -----BEGIN CERTIFICATE----- 开头的 PEM 文本
io-disk-full = 磁盘已满：请先腾出空间（删除旧文件或旧备份），再试一次
io-read-only = 该文件夹是只读的：请换一个本机可写的文件夹，或请 IT 设为可写
io-no-permission = 当前用户无权写入该位置：请用数据文件夹所属的用户运行，或请 IT 开通权限
enroll-empty-token = 令牌是空的：请按 `rma-server site add` 显示的内容原样复制
enroll-token-refused = 服务器 { $url } 拒绝了这个令牌：{ $message }
enroll-bad-address = “{ $text }”不是服务器地址：请写成 http://10.0.0.5:8080 这样的格式
server-no-sites = 还没有登记任何站点：`rma-server site add 站点代码`。
demo-heading = 演示站点 DEMO，数据在 { $data }
demo-look-around = 自己看看这个演示站点：
config-env = 以下环境变量优先于这些设置：

## 各命令的选项

help-rma-agent-init--site = 本站点的代码：2 到 10 个字母或数字，例如 WH1、SZBENCH2
help-rma-agent-init--server = 中心服务器的地址（与 --token 一起用；也可以以后用 `rma-agent enroll` 设置）
help-rma-agent-init--token = `rma-server site add` 给出的本站点令牌
help-rma-agent-init--ca_cert = 公司的证书机构文件（PEM），用于由它签发证书的 https 服务器
help-rma-agent-intake--customer = 客户名称
help-rma-agent-intake--contact = 客户的联系方式
help-rma-agent-intake--customer_lang = 客户使用的语言：en 或 zh-CN（进度页面和通知）
help-rma-agent-intake--phone = 客户的手机号码，用于短信
help-rma-agent-intake--email = 客户的电子邮件地址，用于返修通知
help-rma-agent-intake--model = 产品型号
help-rma-agent-intake--quantity = 退回的台数
help-rma-agent-intake--fault = 客户描述的故障
help-rma-agent-intake--request = 客户的要求
help-rma-agent-edit--customer = 客户名称
help-rma-agent-edit--contact = 客户的联系方式
help-rma-agent-edit--customer_lang = 客户使用的语言：en 或 zh-CN
help-rma-agent-edit--phone = 客户的手机号码
help-rma-agent-edit--email = 客户的电子邮件地址
help-rma-agent-edit--fault = 客户描述的故障
help-rma-agent-forward--note = 需要售后知道的事项
help-rma-agent-assess--severity = 简单故障，或复杂故障（与技术部、生产部联合评审）
help-rma-agent-assess--handling = 简要说明如何处理故障
help-rma-agent-assess--technical = 参加联合评审的技术部人员（多人可重复填写）
help-rma-agent-assess--production = 参加联合评审的生产部人员（多人可重复填写）
help-rma-agent-assess--plan = 联合评审制定的维修方案（复杂故障必填）
help-rma-agent-assess--fault_type = 故障类型，用于月度分析（例如“电源”）
help-rma-agent-receive--area = 设备放入的库位（见 `rma-agent area list`）
help-rma-agent-receive--quantity = 实际到货台数（默认：登记的数量）
help-rma-agent-receive--model = 设备上的实际型号（默认：登记的型号）
help-rma-agent-receive--appearance = 设备外观（默认：“未记录”）
help-rma-agent-receive--discrepancy = 与登记表不符之处
help-rma-agent-receive--print_labels = 编号后打印设备标签：打印到这台打印机（CUPS 队列名或 tcp://主机:9100），不写则用 settings.toml [labels] 中的打印机
help-rma-agent-area-add--code = 库位标签上的编码：字母、数字、“-”或“.”
help-rma-agent-area-add--name = 大家认得出的说明
help-rma-agent-move--to = 库位
help-rma-agent-assign--what = 工单号，或同一工单的一个或多个设备编号
help-rma-agent-assign--repairer = 维修员
help-rma-agent-repair--steps = 按技术方案做了什么
help-rma-agent-repair--part = 更换的配件，写成 配件 或 配件:数量（多项可重复填写）
help-rma-agent-repair--minutes = 用时（分钟）
help-rma-agent-repair--findings = 新发现的问题，报给售后和技术部
help-rma-agent-repair--unfinished = 维修尚未完成；设备留在维修台
help-rma-agent-parts-request--what = 配件所用于的工单或设备
help-rma-agent-parts-request--part = 配件，写成 配件 或 配件:数量（多项可重复填写）
help-rma-agent-inspect--pass = 设备符合质量标准
help-rma-agent-inspect--fail = 设备退回维修
help-rma-agent-inspect--inspector = 签名的检验员（默认：你）
help-rma-agent-ship-notice--method = 发货方式（快递、货运、客户自提……）
help-rma-agent-ship-notice--date = 约定的发货日期，格式 年-月-日
help-rma-agent-ship--carrier = 承运商
help-rma-agent-ship--tracking = 运单号
help-rma-agent-ship--unit = 只发这些设备（多台可重复填写）
help-rma-agent-confirm--delivered_on = 客户收货日期，格式 年-月-日
help-rma-agent-confirm--satisfaction = 1（很不满意）到 5（非常满意）
help-rma-agent-confirm--not_working = 设备在客户处不能正常工作
help-rma-agent-confirm--feedback = 客户的反馈
help-rma-agent-cost--kind = 费用类别：维修、运输、包装或配件
help-rma-agent-cost--amount = 金额，例如 120 或 120.50
help-rma-agent-cost--currency = 三个字母的币种代码（默认：设置中的 `currency`）
help-rma-agent-cost--liability = 设备故障的原因（规程 6.1）
help-rma-agent-cost--payer = 由谁承担（如果不是责任认定所对应的一方）
help-rma-agent-cost--unit = 费用所属的设备
help-rma-agent-archive--keeper = 档案保管人
help-rma-agent-archive--years = 保存年限（默认：设置中的 `archive_retention_years`）
help-rma-agent-hold--reason = 暂停的原因
help-rma-agent-cancel--reason = 取消的原因
help-rma-agent-resolve--event = 冲突事件的编号，见 `rma-agent show`
help-rma-agent-resolve--note = 处理决定
help-rma-agent-show--what = 工单号，或设备编号（显示其所属工单）
help-rma-agent-list--status = 只看此状态的工单：registered（已登记）、assessed（已评估）、received（已收货）、in_repair（维修中）、inspected（已检验）、shipped（已发货）、confirmed（已确认）、closed（已结案）、archived（已归档）、on_hold（已暂停）、cancelled（已取消）
help-rma-agent-list--model = 只看此型号的工单
help-rma-agent-list--area = 只看有设备在此库位的工单
help-rma-agent-list--overdue = 只看超过规程时限的工单
help-rma-agent-list--limit = 最多显示多少张（0：全部）
help-rma-agent-demo--dir = 演示站点建在哪里（默认：临时目录中的新文件夹）。该处不能已有站点
help-rma-agent-serve--listen = 命令访问它的地址（端口 0：任意空闲端口；命令从 agent.json 找到它）
help-rma-agent-enroll--server = 服务器地址，例如 http://rma.example.local:8080
help-rma-agent-enroll--token = 本站点的令牌
help-rma-agent-enroll--ca_cert = 公司的证书机构文件（PEM），用于服务器的 https 证书由公司而不是公共机构签发的情况。它与服务器地址一起保存
help-rma-agent-backup--to = 要写入的文件（复制完成后整体替换）
help-rma-agent-restore--from = 备份文件
help-rma-agent-scan--codes = 要读取的编码（默认：从标准输入每行读一个，直到结束）
help-rma-agent-scan--area = 先选定这个库位：扫描的设备放入其中
help-arguments = 参数
help-opt-ticket = 工单号，例如 WH1-2026-00042
help-opt-unit = 设备编号，例如 WH1-2026-00042-1
help-opt-what = 工单号或设备编号
help-opt-code = 编码
help-opt-all = 全部
help-opt-note = 备注

## 各命令的示例

help-rma-agent-archive-examples =
    示例：
      rma-agent archive WH1-2026-00001 --keeper "王芳"
      rma-agent archive WH1-2019-00007 --keeper "王芳" --until 2025-06-30   # 补归档的旧档案
help-rma-agent-area-add-examples =
    示例：
      rma-agent area add SHELF-A1 --name "退货货架 A 第 1 层"
help-rma-agent-assess-examples =
    示例：
      rma-agent assess WH1-2026-00001 --severity simple --handling "更换保险丝" --fault-type "电源"
      rma-agent assess WH1-2026-00002 --severity complex --technical Zhao --production Qian \
        --plan "更换主板，重刷固件 2.4"
help-rma-agent-assign-examples =
    示例：
      rma-agent assign WH1-2026-00001 --repairer Bob
      rma-agent assign WH1-2026-00001-2 --repairer Carol
help-rma-agent-backup-examples =
    示例：
      rma-agent backup --to /mnt/usb/wh1-2026-11-30.rma-backup
      rma-agent restore --from /mnt/usb/wh1-2026-11-30.rma-backup --data /new/folder
help-rma-agent-cancel-examples =
    示例：
      rma-agent cancel WH1-2026-00001 --reason "客户撤回退货"
help-rma-agent-close-examples =
    示例：
      rma-agent close WH1-2026-00001 --note "已告知客户更快的快递选项"
help-rma-agent-config-examples =
    settings.toml 示例：
      currency = "CNY"
      archive_retention_years = 10
      {"["}deadlines]
      forward_hours = 24
      assessment_hours = 48
      confirmation_working_days = 3
help-rma-agent-confirm-examples =
    示例：
      rma-agent confirm WH1-2026-00001 --delivered-on 2026-12-03 --satisfaction 4 \
        --feedback "能用，但送货慢"
help-rma-agent-cost-examples =
    示例：
      rma-agent cost WH1-2026-00001 --kind repair --amount 120.50 --liability quality-defect
      rma-agent cost WH1-2026-00001 --kind shipping --amount 25 --currency EUR --liability misuse
      rma-agent cost WH1-2026-00001 --kind parts --amount 80 --liability quality-defect --payer supplier
help-rma-agent-demo-examples =
    示例：
      rma-agent demo
      rma-agent demo --dir ./demo-site
help-rma-agent-edit-examples =
    示例：
      rma-agent edit WH1-2026-00001 --contact "李伟，139 1111 2222"
help-rma-agent-enroll-examples =
    示例：
      rma-agent enroll --server http://10.0.0.5:8080 --token 3f9a...
      rma-agent enroll --server https://rma.example.com --token 3f9a... --ca-cert company-ca.pem
help-rma-agent-forward-examples =
    示例：
      rma-agent forward WH1-2026-00001 --note "客户着急"
help-rma-agent-history-examples =
    示例：
      rma-agent history WH1-2026-00001
help-rma-agent-hold-examples =
    示例：
      rma-agent hold WH1-2026-00001 --reason "等客户确认报价"
help-rma-agent-init-examples =
    示例：
      rma-agent init --site WH1
      rma-agent init --site WH1 --server http://10.0.0.5:8080 --token 3f9a...
help-rma-agent-inspect-examples =
    示例：
      rma-agent inspect WH1-2026-00001-1 --pass
      rma-agent inspect WH1-2026-00001-2 --fail --note "带负载时仍会重启"
help-rma-agent-intake-examples =
    示例：
      rma-agent intake --customer "深圳华强" --contact "李伟，138 0000 0000" \
        --model X200 --quantity 2 --fault "雷雨后不开机" --request repair
help-rma-agent-label-examples =
    示例：
      rma-agent label area SHELF-A1 -o shelf-a1.svg
      rma-agent label area --all --format zpl -o areas.zpl
      rma-agent label ticket WH1-2026-00042 --format png --dpi 300 -o unit.png
      rma-agent label ticket WH1-2026-00042 --format pdf --sheet 3x8 --start 5 -o sheet.pdf
      rma-agent label package WH1-2026-00042 --format pdf -o package.pdf
      rma-agent label ticket WH1-2026-00042 --print tcp://192.168.1.50:9100 --format zpl
      rma-agent label unit WH1-2026-00042-1 --print        （用 settings.toml [labels] 中的打印机）
help-rma-agent-list-examples =
    示例：
      rma-agent list
      rma-agent list --status in_repair
      rma-agent list --area SHELF-A1
      rma-agent list --overdue
help-rma-agent-move-examples =
    示例：
      rma-agent move WH1-2026-00001-2 --to SHELF-B3
help-rma-agent-pack-examples =
    示例：
      rma-agent pack WH1-2026-00001
      rma-agent pack WH1-2026-00001-1 WH1-2026-00001-2
help-rma-agent-parts-request-examples =
    示例：
      rma-agent parts-request WH1-2026-00001-2 --part MAINBOARD-X200:1 --note "加急"
help-rma-agent-receive-examples =
    示例：
      rma-agent receive WH1-2026-00001 --area SHELF-A1
      rma-agent receive WH1-2026-00001 --area SHELF-A1 --print-labels   （用 settings.toml [labels] 中的打印机）
      rma-agent receive WH1-2026-00001 --print-labels tcp://192.168.1.50:9100
      rma-agent receive WH1-2026-00001 --area SHELF-A1 --quantity 1 --appearance "外壳开裂" \
        --discrepancy "箱内只有 2 台中的 1 台"
help-rma-agent-repair-examples =
    示例：
      rma-agent repair WH1-2026-00001-1 --steps "更换保险丝，测试 2 小时" --part FUSE-5A:1 --minutes 40
      rma-agent repair WH1-2026-00001-2 --steps "已拆开，电路板烧毁" --minutes 15 --unfinished \
        --findings "需要新主板"
help-rma-agent-resolve-examples =
    示例：
      rma-agent resolve WH1-2026-00001 --event 3f9a0c1d2e4b5a69 --note "复检：合格"
help-rma-agent-restore-examples =
    示例：
      rma-agent --data /new/folder restore --from /mnt/usb/wh1-2026-11-30.rma-backup
help-rma-agent-resume-examples =
    示例：
      rma-agent resume WH1-2026-00001
help-rma-agent-scan-examples =
    示例：
      rma-agent scan                      # 然后扫描：A:SHELF-A1、U:WH1-2026-00042-1……
      rma-agent scan A:SHELF-A1 U:WH1-2026-00042-1 U:WH1-2026-00042-2
      rma-agent scan T:WH1-2026-00042
help-rma-agent-serve-examples =
    示例：
      rma-agent serve                          # 维修台页面在 http://127.0.0.1:8090
      rma-agent serve --web 0.0.0.0:8090       # 仓库网络中的手机也能访问
      rma-agent serve --listen 127.0.0.1:7450 --no-web
help-rma-agent-ship-examples =
    示例：
      rma-agent ship WH1-2026-00001 --carrier "顺丰速运" --tracking SF1234567890
help-rma-agent-ship-notice-examples =
    示例：
      rma-agent ship-notice WH1-2026-00001 --method "顺丰速运" --date 2026-12-01
help-rma-agent-show-examples =
    示例：
      rma-agent show WH1-2026-00001
      rma-agent show WH1-2026-00001-2 --json
help-rma-agent-status-examples =
    示例：
      rma-agent status
help-rma-agent-sync-examples =
    示例：
      rma-agent sync
      rma-agent sync --json
help-rma-server-site-add--code = 站点代码：2 到 10 个字母或数字，例如 WH1
help-rma-server-site-revoke--code = 站点代码，例如 WH1
help-rma-server-user-add--name = 此人登录用的名字
help-rma-server-user-add--role = 所属部门（规程第 1 条），或 head（负责人）/ admin（管理员）
help-rma-server-user-remove--name = 此人的登录名
help-rma-server-backup--to = 要写入的文件（复制完成后整体替换）
help-rma-server-restore--from = 备份文件
help-rma-server-migrate--from_sled = 要迁移的 sled 数据文件夹
help-rma-server-report-grant--role = 数据库角色
help-rma-server-report-export--to = 要写入的文件夹（不存在则新建）

## 预印标签

id-reserved = “{ $text }”不是预印标签编码：格式为 站点-序号，例如 WH1-000042
bad-label-count = 为 { $units } 台设备扫描了 { $labels } 张预印标签：请按顺序每台设备扫描一张
bad-foreign-label = 标签 { $code } 是其他站点预留的；请使用本站点（{ $site }）的预印标签
bad-label-twice = 标签 { $code } 被扫描给了两台设备；每台设备要有自己的标签
label-not-attached = 服务器上还没有贴着预印标签 { $code } 的设备：它在收货时贴上，该站点同步后才会显示。
store-not-reserved = 标签 { $what } 不是本站点预留的：请用 `rma-agent label blank --count 张数` 打印预印标签
store-label-used = 标签 { $code } 已贴在设备 { $unit } 上；请换一张新的
label-not-here = 这里没有贴着预印标签 { $code } 的设备：请在收货时贴上（`rma-agent receive 工单号 --label { $code }`）
scan-area = 库位 { $area }：请扫描要放进去的设备。
label-blank-caption = 收货时贴上
receive-not-pre-printed = { $code } 不是预印标签（预印标签的编码为 L:站点-序号）
help-rma-agent-label-blank = 预先打印设备标签，编码现在由本站点预留：收货时每台设备扫描贴上一张。
help-rma-agent-label-blank--count = 张数
help-rma-agent-receive--labels = 改为扫描贴在设备上的预印标签，按设备顺序（L:WH1-000001；可重复填写，或用逗号分隔）
out-unit-label = 预印标签 { $code }

## 标签与打印机

labels-too-long = 编码 { $code } 放不进二维码
labels-too-small = { $width } × { $height } 毫米的标签在 { $dpi } dpi 下放不下这个编码：请选用更大的尺寸或更高的分辨率
labels-no-font = 没有已安装的字体能显示“{ $text }”：请安装中文字体（Debian：apt-get install fonts-noto-cjk，或较小的 fonts-wqy-microhei），或用 RMA_LABEL_FONT 指定字体文件
labels-bad-font = 字体文件 { $path } 无法使用：{ $message }
labels-bad-sheet = “{ $text }”不是标签纸排版：请写成 列数x行数，例如 3x8（最多 10 x 20）
labels-bad-start = 一张 { $cells } 格的标签纸没有第 { $number } 格可以开始：请用 --start 0 到 { $last }
labels-cell-too-small = { $label } 毫米的标签放不进 { $grid } A4 标签纸 { $cell } 毫米的格子：请选用格子更少、更大的标签纸
labels-encode = 无法写出标签图像：{ $reason }
print-bad = “{ $text }”不是打印机：请写 CUPS 队列名或 tcp://主机:9100
print-unreachable = 无法连接打印机 { $address }
print-no-lp = 无法运行 `lp`（是否安装了 CUPS？Debian：apt-get install cups-client）
print-needs-queue = 网络打印机的原始端口只接受 ZPL 或 TSPL：请加上 --format zpl 或 --format tspl，或通过 CUPS 队列打印 PDF 和 PNG
print-refused = 打印队列“{ $queue }”拒绝了任务：{ $message }
serve-unreadable = 正在运行的 `rma-agent serve` 返回了无法读取的应答：{ $reason }
serve-refused = 正在运行的 `rma-agent serve` 拒绝了命令（{ $status }）：{ $reason }
serve-no-answer = 正在运行的 `rma-agent serve` 没有应答：{ $reason }
tls-read = 无法读取 TLS 文件 { $path }：{ $reason }
tls-no-certificate = { $path } 中没有证书：应为以 -----BEGIN CERTIFICATE----- 开头的 PEM 文本
tls-no-key = { $path } 中没有私钥：应为以 -----BEGIN PRIVATE KEY-----（或 RSA / EC PRIVATE KEY）开头的 PEM 文本
tls-mismatch = 证书 { $cert } 和私钥 { $key } 不能配合使用：{ $reason }
tls-half = 请同时给出 --tls-cert 和 --tls-key（或在 [tls] 下同时设置 cert 和 key）

## 命令行参数

arg-not-ticket-or-unit = “{ $text }”既不是工单号（WH1-2026-00042），也不是设备编号（WH1-2026-00042-3）
arg-not-a-part = “{ $text }”不是配件：请写成 配件 或 配件:数量，例如 FUSE-5A:2
arg-empty = 不能为空
arg-not-a-date = “{ $text }”不是日期：请写成 年-月-日，例如 2026-12-01
arg-not-a-phone = “{ $text }”不是手机号码：6 到 15 位数字，例如 +86 139 1111 2222
arg-not-an-email = “{ $text }”不是电子邮件地址：请写成 name@example.com
arg-not-a-size = “{ $text }”不是标签尺寸：请写成 宽x高（毫米），例如 50x25
arg-not-an-amount = “{ $text }”不是金额：请写成 120 或 120.50
arg-out-of-range = { $value } 超出范围：请填写 { $low } 到 { $high } 之间的数
step-unknown = 没有“{ $step }”这一步骤
step-bad-fields = { $step } 表单与该步骤不符：{ $problem }
arg-invalid = { $arg } { $value }：{ $why }
money-currency = “{ $text }”不是币种代码：请用三个字母，例如 CNY、EUR、USD
money-amount = “{ $text }”不是 { $currency } 金额：请写成 120 或 120.50（最多 { $digits } 位小数）
archive-retention-out-of-range = 保管截止日期超出日历范围：请减少年数或用 --until

## Accounts
people-bad-name = “{ $name }”不能作为用户名：请用 1 到 40 个字母、数字或“.”“_”“-”
people-short-password = 密码至少需要 8 个字符。
people-exists = 用户 { $name } 已存在；如需设置新密码，请先删除该用户。
people-unknown = 没有用户 { $name }。
password-prompt = { $name } 的密码（至少 8 个字符）：
password-unreadable = 无法读取密码：{ $reason }
password-none = 没有输入密码：请输入，或用管道传入（`echo 'secret pass' | { $program } user add { $name } --role ROLE`）。
store-no-account = { $what } 在本站点没有账号：请用自己的名字（`--user 姓名`），或请办公室添加账号（`rma-server user add`）
store-not-your-duty = “{ $action }”不是{ $role }（{ $name }）的职责：它属于其他部门（规程第 1 节）
user-from-directory = 本代理每次同步时从服务器的账号目录获取账号：请在服务器上添加或删除人员（`rma-server user add 姓名 --role 角色`）。
user-no-password = 没有为新账号提供密码。
user-none = 还没有账号：任何人都可以执行任何步骤。用 `rma-agent user add 姓名 --role 角色` 添加人员，或注册到已有账号的服务器。
done-user-added = 已添加 { $name }（{ $role }）。
done-user-removed = 已删除 { $name }；其登录已全部结束。
help-rma-agent-user = 在本站点维修台页面登录的人员（注册到服务器后来自服务器的账号目录）。
help-rma-agent-user-add = 添加人员（仅限没有服务器时）。密码（至少 8 个字符）从标准输入读取：直接输入或用管道传入。
help-rma-agent-user-remove = 删除人员（仅限没有服务器时）；其登录立即结束。
help-rma-agent-user-list = 列出人员及其角色。
help-rma-agent-user-add--name = 人员登录用的名字
help-rma-agent-user-add--role = 所属部门（REGULATION.md 第 1 节），或 head（负责人）
help-rma-agent-user-remove--name = 人员的登录名

## The bench page (rma-agent serve)
action = { $action ->
    [intake] 登记退货
    [edit] 更正登记信息
    [forward] 转交售后
    [assess] 初步评估
    [receive] 接收产品
    [move] 移到存放区
    [assign] 分派维修人员
    [repair] 记录维修
    [parts-request] 申请配件
    [inspect] 检验
    [ship-notice] 约定发货
    [pack] 包装
    [ship] 发货
    [confirm] 确认收货
    [cost] 添加费用
    [close] 结案
    [archive] 归档
    [hold] 暂停
    [resume] 继续
    [cancel] 取消工单
    [resolve] 处理冲突
    [scan] 扫码
    [attach] 添加照片或文件
    [note-clock] 记录时钟超前
    [hand-over] 移交其他站点
    [note-scope] 记录范围外的步骤
    [note-survey] 记录客户的满意度调查
   *[label] 打印标签
}
bench-title = 维修台
bench-home = 首页
bench-sign-in = 登录
bench-no-accounts = 这里还没有任何账号。账号随同步从服务器获取（`rma-server user add`），没有服务器时用 `rma-agent user add 姓名 --role 角色` 添加。
bench-scan = 扫码或输入编码
bench-scan-hint = A:SHELF-A1、U:WH1-2026-00001-1 ……
bench-scan-go = 确定
bench-scan-area = 现在扫描的产品将放入 { $area }。
bench-area-set = 存放区 { $area }：请扫描要放入的产品。
bench-move-here = 把 { $unit } 移到 { $area }
bench-sync-alone = 无服务器：单机工作
bench-sync-online = 在线
bench-sync-offline = 离线：可照常工作，稍后同步
bench-sync-starting = 尚未同步
bench-sync-waiting = { $count } 项更改待同步
bench-sync-last = 上次同步：
bench-sync-conflicts = { $count } 张工单有冲突
bench-sync-now = 立即同步
bench-sync-started = 正在同步；打开下一个页面时，上方一行会显示结果。
bench-new-ticket = 登记退货
bench-register = 登记
bench-registered = 已登记，工单号 { $ticket }。
bench-my-work = 我的工作
bench-no-work = 目前没有等待{ $role }处理的事项。
bench-overdue = 已超期
bench-conflicts = 待处理的冲突
bench-areas = 存放区
bench-no-areas = 还没有存放区：用 `rma-agent area add 编码` 添加。
bench-not-found = 未找到
bench-no-target = 表单没有说明是哪张工单或哪台产品。
bench-customer = 客户
bench-model = 型号
bench-fault = 故障
bench-request = 客户要求
bench-units = 产品
bench-steps = 下一步
bench-no-steps = 这张工单目前没有{ $role }要做的步骤。
bench-records = 记录
bench-print = 标签
bench-print-units-pdf = 产品标签（PDF）
bench-print-package-pdf = 包装标签（PDF）
bench-print-units = 打印产品标签
bench-print-package = 打印包装标签
bench-f-note = 备注
bench-f-severity = 严重程度
bench-f-handling = 处理方式
bench-f-fault-type = 故障类型
bench-f-technical = 技术部（联合评估）
bench-f-production = 生产部（联合评估）
bench-f-plan = 维修方案（复杂故障必填）
bench-f-quantity = 数量
bench-f-appearance = 外观
bench-f-discrepancy = 与登记不符之处
bench-f-area = 存放区
bench-f-labels = 贴在产品上的预印标签（L:WH1-000001 ……），按顺序
bench-f-print-labels = 打印产品标签
bench-f-repairer = 维修人员
bench-f-steps = 维修内容
bench-f-parts = 更换的配件
bench-f-part = 配件
bench-f-qty = 数量
bench-f-minutes = 用时（分钟）
bench-f-findings = 新发现的问题
bench-f-unfinished = 尚未修完（暂不检验）
bench-f-verdict = 结论
bench-f-method = 发货方式
bench-f-date = 发货日期
bench-f-carrier = 承运商
bench-f-tracking = 运单号
bench-f-delivered = 收货日期
bench-f-satisfaction = 满意度（5 = 非常满意）
bench-f-not-working = 产品不能正常工作
bench-f-feedback = 客户反馈
bench-f-cost-kind = 费用类别
bench-f-amount = 金额
bench-f-keeper = 保管人
bench-f-years = 保存年限（默认按设置）
bench-f-reason = 原因
bench-f-contact = 联系方式
bench-f-customer-lang = 客户使用的语言
bench-f-phone = 手机（用于短信）
bench-f-email = 电子邮件（用于通知）
bench-f-edit-hint = 只填写要更改的内容。
bench-f-resolution = 处理结果
serve-web = 维修台页面：{ $url }（用本站点的账号登录）。
serve-web-open = 维修台页面对网络开放：能访问这台电脑的人都能看到登录页。
serve-web-busy = 无法在 { $address } 提供维修台页面：另一个程序正在使用。请用 --web 地址 或 [web] listen 另选地址。
serve-web-default-busy = 维修台页面未启动：{ $address } 已被占用（这台电脑上还有另一个代理？）。请用 --web 地址 另选地址。
help-rma-agent-serve--web = 维修台页面的地址（默认：settings.toml 的 [web] listen，否则 127.0.0.1:8090）。不是 127.0.0.1 的地址会把页面开放给网络
help-rma-agent-serve--no_web = 不提供维修台页面
help-rma-agent-user-add-examples =
    示例：
      rma-agent user add li.wei --role after_sales
      echo 'bench pass 1' | rma-agent user add bob --role production
bench-f-package-label = 包装标签上有型号、数量、客户名称和发货日期：

## The audit log (rma-server /audit)
nav-audit = 审计日志
audit-forbidden = 审计日志仅供负责人和管理员查看。
audit-export-forbidden = 只有管理员可以导出审计日志。
audit-who = 人员
audit-what = 事项
audit-any = 全部
audit-subject = 对象
audit-from = 来源
audit-more = 只显示最近 { $count } 条：请缩小筛选范围，或全部导出。
audit-kind = { $kind ->
    [sign_in] 登录
    [sign_in_refused] 登录被拒
    [sign_in_limited] 登录受限
    [sign_out] 退出登录
    [refused] 被拒绝
    [download] 下载
    [archive_read] 查阅档案
    [user_added] 添加人员
    [user_removed] 删除人员
    [site_added] 注册站点
    [site_revoked] 撤销站点
    [site_holds] 更改站点持有范围
    [application_filed] 提交查阅申请
    [application_approved] 批准查阅申请
    [application_refused] 驳回查阅申请
    [disposal_proposed] 提请销毁
    [disposed] 已销毁
    [report_granted] 授予报表读取权限
   *[backup] 备份
}

## Finance's audit of the cost ledger (regulation 6.2)
refusal-unknown_cost = 此工单中没有费用记录 { $event }
event-cost-audited = 财务{ $verdict }了一条费用记录
event-survey-answered = 客户填写了满意度调查：{ $rating }/5 分
event-survey-answered-comment = 客户填写了满意度调查：{ $rating }/5 分，“{ $comment }”
event-cost-audited-note = 财务{ $verdict }了一条费用记录：{ $note }
audit-verdict = { $verdict ->
    [audited] 审核通过
   *[queried] 提出质疑
}
costs-audit = 审核
costs-audit-state = 审核状态
costs-not-audited = 未审核
costs-mark-audited = 审核通过
costs-mark-queried = 质疑
costs-query-note = 质疑内容
costs-show-audit = 审核
costs-audit-any = 全部
costs-audit-none = 未审核
costs-audit-done = 已审核
costs-audit-queried = 有质疑
costs-audit-recorded = 已对 { $ticket } 的费用记录标记“{ $verdict }”；各站点下次同步时会收到。
costs-audit-refused = 未能记录标记：{ $reason }
costs-audit-forbidden = 只有财务部（和负责人）审核费用台账。
bench-sync-waiting-many = 超过 { $count } 项更改待同步
bench-area-many = 超过 { $count } 张工单
show-archived-at-server = { $ticket }：已在总部归档。档案保存在总部，本站点不再保留（规程第 8 条）；查阅需经批准的查阅申请。
server-department-not-head = --department 只用于负责人（其所领导的部门）；此人的角色是 { $role }

## The archive at the office (regulation 8)
nav-archive = 档案
archive-explain = 按索引查找已归档的工单：工单号、型号、日期、保管人和保存期限。查阅档案内容须有经批准的查阅申请，只能在本页当场查阅（规程第 8.3 条）。
archive-model = 型号
archive-customer = 客户
archive-unit = 产品编号或工单号
archive-registered-from = 登记日期自
archive-registered-to = 登记日期至
archive-closed-from = 结案日期自
archive-closed-to = 结案日期至
archive-registered = 登记
archive-closed = 结案
archive-keeper = 保管人
archive-retain-until = 保存至
archive-find = 查找
archive-found = { $count ->
   *[other] 找到 { $count } 份归档工单。
}
archive-more = 只列出前 { $count } 份：请缩小查找范围。
archive-bad-date = “{ $text }”不是日期：请写成 2026-12-31
archive-bad-period = 期限需要起止日期，写成 2026-12-31
archive-past-retention = 已过保存期限
archive-disposed-on = 已于 { $at } 销毁，批准人 { $by }
archive-applications = 查阅申请
archive-disposal = 销毁
archive-apply = 申请查阅
archive-apply-tickets = 工单（工单号，用空格分隔）
archive-apply-search = 或本次查找到的全部工单
archive-apply-reason = 事由
archive-apply-from = 自
archive-apply-until = 至
archive-apply-send = 提交申请
archive-applied = 申请 #{ $id } 已提交给您所在部门的负责人。
archive-applicant = 申请人
archive-scope = 工单
archive-period = 期限
archive-to-decide = 待您审批的申请
archive-none-to-decide = 没有待您审批的申请。
archive-mine = 我的申请
archive-none-mine = 您还没有申请查阅档案。
archive-waiting = 等待负责人审批
archive-approved-by = 已由 { $by } 批准
archive-refused-by = 已被 { $by } 驳回 { $note }
archive-expired = 已到期（{ $by } 批准）
archive-decision-note = 备注（可不填）
archive-approve = 批准
archive-refuse = 驳回
archive-bad-decision = “{ $text }”不是此表单能做的操作
archive-approved-notice = 申请 #{ $id } 已批准。
archive-refused-notice = 申请 #{ $id } 已驳回。
archive-disposal-explain = 已超过保存期限的工单。售后提请销毁，负责人批准后，其内容从服务器删除；档案卡片保留并标记为已销毁，审计日志记录这两步（规程第 8.2 条）。
archive-disposal-forbidden = 销毁由售后（档案保管）、负责人和管理员办理。
archive-proposed-by = { $by } 于 { $at } 提请
archive-propose = 提请销毁
archive-approve-disposal = 批准销毁
archive-none-due = 没有超过保存期限的工单。
archive-proposed-notice = 已提请销毁 { $number }，待负责人批准。
archive-disposed-notice = { $number } 已销毁：内容已删除，档案卡片保留。
archive-needs-grant = { $number } 已归档。查阅须有您所在部门负责人批准的查阅申请（规程第 8.3 条）：请在“档案”页申请。本次尝试已记入审计日志。
archive-watermark = { $name } · { $at }
archive-reading = 依据申请 #{ $id }（至 { $until }）当场查阅，查阅人 { $name }，时间 { $at }。不得复制、打印或拍照（规程第 8.3 条）。
ticket-disposed = { $number } 已在保存期满后销毁（{ $at }，批准人 { $by }）；只保留档案卡片。
archive-not-archived = 档案中没有工单 { $number }
archive-unknown-application = 申请 #{ $id } 不存在
archive-decided = 申请 #{ $id } 已经审批过
archive-not-their-head = { $name } 不是申请人所在部门的负责人，不能审批此申请（任何人不能审批自己的申请）
archive-retained = { $number } 保存至 { $until }，在此之前不能销毁
archive-disposed-already = { $number } 已经销毁
archive-not-proposed = 还没有人提请销毁 { $number }
archive-incomplete = 申请须写明工单（或勾选“本次查找到的全部工单”）、事由，以及结束日不早于开始日的期限

help-rma-agent-archive--until = 保存到哪一天，代替从今天起算的年限（补归档的档案从结案日起算；已过去的日期会使其立即列入销毁清单）
help-rma-agent-serve--idle_minutes = 这么多分钟没有命令就停止（由命令在后台启动的服务这样结束；见 settings.toml 中的 keep_serving_minutes）
help-rma-server-user-add--department = 负责人所领导的部门：由其审批本部门人员的档案查阅申请。不指定部门的负责人可审批所有人的申请

## The customer's status page (regulation 4.1, 4.3)
status-page-title = 您的返修单 { $number }
status-page-model = { $model } · { $quantity } 台
status-page-now = { $status ->
    [registered] 我们已登记您的返修申请。
    [assessed] 我们已审核您的申请：请按约定寄回设备。
    [received] 您的设备已到达我们的服务中心。
    [in_repair] 您的设备正在维修。
    [inspected] 您的设备已修好并通过检验，即将寄回。
    [shipped] 您的设备正在寄回途中。
    [confirmed] 您的设备已送达。
    [on_hold] 您的返修正在等待（零件或信息），我们会尽快继续。
    [cancelled] 此返修已取消。
   *[closed] 您的设备已送达，此返修已结束。
}
status-page-received = { $date } 收到
status-page-shipping-agreed = 约定发货：{ $date }，方式：{ $method }
status-page-shipped = { $date } 已由 { $carrier } 发出，运单号 { $tracking }
status-page-delivered = { $date } 送达
status-page-note = 本页显示服务中心记录的返修进度，不显示任何价格或个人信息。如有疑问，请联系服务中心。
status-page-unknown-title = 链接无效
status-page-unknown = 此链接无效或已失效。请向服务中心索取最新链接。
status-page-limited = 此地址尝试次数过多，请几分钟后再试。
ticket-status-link = 客户进度链接
ticket-status-link-opened = { $count ->
    [0] 尚未打开
   *[other] 已打开 { $count } 次
}
ticket-status-link-replace = 给客户新链接（旧链接立即失效）
ticket-status-link-forbidden = 只有销售部、售后部和负责人可以给客户新的进度链接。
status-survey-title = 您对这次维修满意吗？
status-survey-rating = 您的评分（1 = 很不满意，5 = 非常满意）
status-survey-comment = 您想告诉我们的话（可不填）
status-survey-send = 提交
status-survey-thanks = 谢谢！我们已收到您的答卷。
status-survey-answered = 您已填写过本次返修的满意度调查，谢谢。
status-survey-bad = 请选择 1 到 5 分。
notice-setup-smtp = server.toml 中 [mail] smtp = “{ $url }” 无法使用：{ $reason }。请写 smtp://主机:端口、smtp://主机:端口?tls=required（STARTTLS）或 smtps://主机:端口。
notice-setup-from = server.toml 中 [mail] from = “{ $from }” 不是电子邮件地址；请写如 "Service <service@example.com>"。
notice-setup-sms = server.toml 中 [sms] url = “{ $url }” 不是 http:// 或 https:// 地址。
notice-subject-shipping-agreed = 您的返修单 { $number }：已约定发货
notice-shipping-agreed = 您的返修单 { $number } 将于 { $date } 通过 { $method } 寄回。
notice-subject-shipped = 您的返修单 { $number } 已发出
notice-shipped = 您的返修单 { $number } 已交给 { $carrier }，运单号 { $tracking }。
notice-subject-closed = 您的返修单 { $number }：请评价我们的服务
notice-closed = 您的返修单 { $number } 已完成。请告诉我们您是否满意，只需一分钟。
notice-follow-link = 查看进度：{ $link }
notice-survey-link = 点此评价：{ $link }
notice-footer = 此消息由系统就您的返修自动发送，不含任何价格或个人信息。如有疑问，请联系服务中心。
nav-outbox = 通知
outbox-title = 给客户的通知
outbox-explain = 约定发货、发出（附运单号）和返修单关闭（满意度调查）时，服务器通过电子邮件和短信通知客户。每一步对每个地址只发一次通知；发送失败的通知稍后重试。
outbox-none = 没有通知。
outbox-show = 显示
outbox-any = 所有状态
outbox-col-made = 生成时间
outbox-col-ticket = 返修单
outbox-col-channel = 方式
outbox-col-to = 收件人
outbox-col-about = 内容
outbox-col-state = 状态
outbox-col-attempts = 尝试次数
outbox-channel = { $channel ->
    [email] 电子邮件
   *[sms] 短信
}
outbox-about = { $about ->
    [shipping_agreed] 已约定发货
    [shipped] 已发出
   *[closed] 已关闭（调查）
}
outbox-state-name = { $state ->
    [waiting] 等待中
    [sending] 发送中
    [sent] 已发送
    [failed] 失败
   *[not_set_up] 未设置
}
outbox-state = { $state ->
    [waiting] 等待中，下次尝试 { $at }
    [sending] 由 { $by } 发送中，自 { $at }
    [sent] 已于 { $at } 发送
    [failed] 未发送：已于 { $at } 放弃
   *[not_set_up] 未发送：服务器未设置此方式（server.toml 中的 [mail] / [sms]）
}
outbox-error = 上次错误：{ $error }
outbox-text = 通知内容
ticket-notices = 给客户的通知

## 照片和文件
evidence = { $step ->
    [receiving] 收货检查
    [repair] 维修
    [inspection] 检验
    [packing] 包装
   *[other] 其他
}
file-bad-hash = “{ $text }”不是文件的 SHA-256（应为 64 位十六进制数字）。
file-not-allowed = 未保存 { $name }：只能添加照片（JPEG、PNG、WebP）和 PDF 文件。
file-too-large = 未保存 { $name }：文件大小为 { $size } MB，每个文件最大 { $limit } MB。
file-ticket-full = 未保存：工单 { $ticket } 的文件合计将超过 { $limit } MB。
file-empty = 未保存 { $name }：文件是空的。
file-bad-image = 未保存 { $name }：无法读取这张图片（{ $reason }）。

blob-io = 无法读写文件 { $path }：{ $problem }
blob-mismatch = 收到的内容与文件不符（应为 { $expected }，实为 { $got }），已丢弃，将重新发送。
blob-gap = 文件片段与已保存的部分不衔接（已保存 { $held } 字节，片段从 { $given } 开始）。
blob-missing = 这里没有文件 { $hash }。

attach-no-files = 请至少选择一个文件（照片或 PDF）。
attach-no-such-file = 工单 { $ticket } 没有文件 { $hash }。
attach-not-here = 此文件保存在总部，本机还没有。本机连上服务器后会取回，请联网后再试。
attach-unreadable = 无法读取文件 { $path }

help-rma-agent-attach = 给工单或设备添加照片或文件（离线可用；工单同步后再上传）。
help-rma-agent-file = 取得工单的一张照片或一个文件（本机没有时从总部取回）。
help-rma-agent-attach--what = 照片或文件对应的工单或设备
help-rma-agent-attach--step = 属于哪一环节的证据：收货检查、维修、检验、包装或其他
help-rma-agent-attach--caption = 简单说明拍的是什么
help-rma-agent-attach--files = 文件：照片或 PDF 文件
help-rma-agent-file--ticket = 文件所属的工单
help-rma-agent-file--sha256 = 文件的 SHA-256（见 `show`；给出开头几个字符即可）
help-rma-agent-file--out = 复制到这里
file-here = 文件在 { $path }
file-fetched = 已从总部取回并保存在本机：{ $path }
help-rma-agent-attach-examples =
    示例：
      rma-agent attach WH1-2026-00001 box.jpg label.jpg --step receiving --caption "外箱压坏"
      rma-agent attach WH1-2026-00001-1 board.jpg --step repair --caption "电容 C12 烧毁"
help-rma-agent-file-examples =
    示例：
      rma-agent show WH1-2026-00001 --json      # 列出每个文件的 sha256
      rma-agent file WH1-2026-00001 SHA256 --out board.jpg
status-files = 文件
status-files-line = 待上传 { $send } 个（{ $mb } MB），待取回缩略图 { $fetch } 个：网络允许时随工单之后传送
ticket-files = 照片和文件
ticket-file-missing = 缺失：总部还没有（所属站点尚未上传）
ticket-file-open = 打开照片
ticket-file-none = 该工单在这里没有这个文件。
bench-f-photos = 照片或 PDF 文件
bench-bad-form = 无法读取表单：{ $reason }
bench-files = 照片和文件
bench-file-at-office = （在总部：联网时从总部打开）
bench-add-files = 给 { $what } 添加照片或文件
bench-f-evidence = 属于哪一环节
bench-f-caption = 拍的是什么
bench-attach = 添加
bench-sync-files = 文件：待上传 { $send } 个，待取回 { $fetch } 个
out-files = 照片和文件（rma-agent file 工单号 SHA256 打开；show --json 列出完整的 SHA-256）
file-which = { $count ->
    [0] 工单 { $ticket } 没有 SHA-256 以“{ $start }”开头的文件（至少给出 6 个字符，见 `rma-agent show { $ticket }`）。
   *[other] 工单 { $ticket } 有 { $count } 个文件以“{ $start }”开头：请多给几个字符。
}

## 范围：哪些站点持有工单，站点间移交
location-transit = 正在送往 { $site }
event-handed-over = 已移交 { $to }{ $count ->
    [0] {""}
   *[other] ，随附设备 { $units }
}{ $leave ->
    [yes] （本站不再持有此工单）
   *[no] {""}
}
event-handed-over-carrier = ，承运 { $carrier }，运单号 { $tracking }
event-outside-scope = 总部记录：步骤 { $event } 是在不持有此工单的站点记录的
done-handed-over = 工单 { $ticket } 已移交 { $to }{ $count ->
    [0] {""}
   *[other] ，随附 { $count } 台设备
}：{ $to } 下次同步时收到{ $leave ->
    [yes] ；本站的修改发送后即不再持有此工单。
   *[no] ，之后的每一步两个站点都能看到。
}
refusal-hand_over_to_self = 工单只能移交给其他站点，不能移交给持有它的本站
refusal-cannot_hand_over = 设备 { $unit } { $phrase }：现在不能移交（已包装、已发货或已在途中）
refusal-in_transit = 设备 { $unit } 正在送往 { $site }：须先由 { $site } 做收货检查
refusal-outside_scope = 此步骤在 { $site } 记录，而当时该站点不持有此工单（工单已移交他处）；请与持有工单的站点处理
server-site-holds = { $code } 持有{ $holds ->
    [all] 所有站点的工单。
   *[own] 自己的工单：在该站点登记的和移交给它的。
}
server-site-holds-next = 该站点下次同步时收到现在持有的工单；其他工单在其修改发送后即不再保留。
sites-holds = 持有
sites-holds-what = { $holds ->
    [all] 全部
   *[own] 本站工作
}
bench-f-hand-over-to = 移交给站点（站点代码，如 RC1）
bench-f-hand-over-leave = 本站不再持有此工单（整单转到对方）

help-rma-agent-hand-over = 把工单（及设备）移交给其他站点，如维修中心，或移交回来。
help-rma-agent-hand-over--to = 接收工单的站点（站点代码，如 RC1）
help-rma-agent-hand-over--units = 随附的设备（用逗号分隔）；不填：只移交工单记录
help-rma-agent-hand-over--carrier = 承运商
help-rma-agent-hand-over--tracking = 运单号
help-rma-agent-hand-over--note = 给对方站点的备注
help-rma-agent-hand-over--leave = 本站不再持有此工单：整单转到对方站点
help-rma-agent-hand-over-examples =
    示例：
      rma-agent hand-over WH1-2026-00001 --to RC1 --units WH1-2026-00001-1,WH1-2026-00001-2 \
        --carrier "顺丰速运" --tracking SF1234567890 --note "主板故障，需维修中心处理"
      rma-agent hand-over WH1-2026-00001 --to WH2 --leave
help-rma-server-site-holds = 更改站点持有哪些工单。该站点下次同步时收到现在持有的工单；其他工单在其修改发送后即不再保留。
help-rma-server-site-holds--code = 站点代码，例如 RC1
help-rma-server-site-holds--holds = own：在该站点登记的和移交给它的工单；all：所有站点的工单
help-rma-server-site-add--holds = 站点持有哪些工单：own（在该站点登记的和移交给它的）或 all（所有站点的）
help-rma-server-site-add-examples =
    示例：
      rma-server site add WH1                # 分支站点：持有自己的工单和移交给它的工单
      rma-server site add RC1 --holds all    # 维修中心：处理所有分支的返修
help-rma-server-site-holds-examples =
    示例：
      rma-server site holds RC1 all
      rma-server site holds RC1 own
show-elsewhere = 本站点不持有工单 { $ticket }{ $count ->
    [0] ：它在总部的档案中。
   *[other] ：它由 { $sites } 持有。以下为服务器提供的只读信息；如需处理，请联系持有站点，或请其移交给本站。
}
show-elsewhere-updated = 最近修改
step-held-elsewhere = 本站点不持有工单 { $ticket }：它由 { $sites } 持有。请在那里处理，或请其移交给本站（在 { $sites } 执行 `rma-agent hand-over { $ticket } --to 本站代码`）。
