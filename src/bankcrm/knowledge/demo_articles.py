# ruff: noqa: E501 - prose: Chinese sentences are kept whole on their lines
"""The demo knowledge base: answers a retail bank's service desk gives every day, in Chinese and
English. Figures are typical of Chinese banks' published tariffs, written for the demo bank."""

# (categories, title_zh, title_en, summary_zh, summary_en, body_zh, body_en, keywords,
#  valid_from "YYYY-MM-DD" | "", valid_until | "")
ARTICLES: list[tuple] = [
    (
        ["account-loss"],
        "借记卡挂失与补卡",
        "Reporting a lost debit card and getting a replacement",
        "借记卡丢失后请立即通过手机银行、客服热线95xxx或任一网点办理挂失；正式挂失7天后可补办新卡，工本费10元。",
        "Report a lost debit card at once in the app, on the 95xxx hotline or at any branch; a "
        "replacement can be issued 7 days after the formal report for a CNY 10 card fee.",
        "一、口头挂失：客户可通过客服热线或手机银行办理临时挂失，有效期5天，期间账户不能对外支付。\n"
        "二、正式挂失：须本人持有效身份证件到网点办理书面挂失；代办须同时出示代理人身份证件和授权书。\n"
        "三、补卡：正式挂失满7天后可补办新卡，原卡号不变或换新卡号由客户选择；工本费10元，"
        "社保卡、老年卡按当地规定减免。\n四、如发现资金已被盗用，应同时报警并保留报案回执。",
        "1. Temporary report: by phone or in the app, valid for 5 days; the account cannot pay out "
        "meanwhile.\n2. Formal report: in person at a branch with a valid ID; an agent needs their "
        "own ID and a signed authorisation.\n3. Replacement: from 7 days after the formal report, "
        "same or new card number at the customer's choice; card fee CNY 10, waived for social "
        "security and senior cards where local rules say so.\n4. If money has already been taken, "
        "the customer should also report it to the police and keep the receipt.",
        "丢卡, 卡丢了, 补卡, 换卡, lost card, replacement card",
        "",
        "",
    ),
    (
        ["account-loss", "card"],
        "信用卡挂失与失卡保障",
        "Lost credit cards and lost-card protection",
        "信用卡丢失请立即致电客服挂失，挂失即时生效；挂失前72小时内被盗刷的损失可按失卡保障规则申请赔付。",
        "Call the hotline at once: a credit card report takes effect immediately; fraudulent "
        "spending in the 72 hours before the report can be claimed under lost-card protection.",
        "信用卡挂失可通过客服热线、手机银行办理，挂失即时生效，挂失费免收。\n"
        "失卡保障：挂失前72小时内发生的非本人交易，客户提交报案证明和争议交易声明后，"
        "经核实可获赔付，每卡每年最高5万元。\n新卡将在5个工作日内寄送至账单地址。",
        "Credit cards can be reported lost by phone or in the app; the report is immediate and "
        "free.\nLost-card protection: transactions the cardholder did not make in the 72 hours "
        "before the report are refunded after a police report and a dispute statement are "
        "checked, up to CNY 50,000 per card per year.\nThe new card is mailed to the statement "
        "address within 5 working days.",
        "盗刷, 丢卡, lost credit card, fraud",
        "",
        "",
    ),
    (
        ["account-freeze"],
        "账户被冻结或止付的处理",
        "When an account is frozen or blocked",
        "账户冻结分司法冻结和银行风控止付：司法冻结须联系执行机关解除；风控止付客户可携身份证件到开户网点核实后解除。",
        "A freeze is either ordered by a court or authority, or a bank risk block: the former is "
        "lifted only by that authority; for the latter the customer verifies identity at the "
        "account branch.",
        "1. 司法冻结：由法院、公安、税务等有权机关依法冻结，银行不得自行解除，应告知客户冻结机关名称和文书编号，"
        "由客户联系该机关。\n2. 风控止付：因涉嫌电信诈骗、长期不动户或身份信息过期触发，"
        "客户本人携有效身份证件到开户网点说明资金来源和交易背景，核实后当场解除。\n"
        "3. 不得向客户透露反洗钱调查的具体内容。",
        "1. Court or authority freeze: only the ordering authority can lift it; give the "
        "customer the authority's name and document number.\n2. Bank risk block: triggered by "
        "suspected telecom fraud, a dormant account or an expired ID; the customer brings a "
        "valid ID to the account branch, explains the source of funds, and the block is lifted "
        "once verified.\n3. Never tell the customer about an anti-money-laundering inquiry.",
        "冻结, 止付, 解冻, frozen account, blocked",
        "",
        "",
    ),
    (
        ["account-open-close"],
        "个人账户开户所需材料",
        "Opening a personal account: what to bring",
        "本人持有效身份证件办理；非居民须护照及入境证明。一类户每人每行限一个，已有一类户可开立二、三类户。",
        "The customer applies in person with a valid ID; non-residents bring a passport and proof "
        "of entry. One Class I account per person per bank; others can be Class II or III.",
        "开户须本人办理并现场核验身份，必要时核实开户用途。\n"
        "居民：居民身份证；港澳台居民：居住证或通行证；外国人：护照及签证或居留许可。\n"
        "同一客户在本行只能开立一个一类账户；二类户日累计转出限额1万元，三类户余额不超过2000元。",
        "Accounts are opened in person after an identity check; the purpose may be asked.\n"
        "Residents: resident ID card; Hong Kong, Macao and Taiwan residents: residence permit or "
        "travel permit; foreigners: passport with visa or residence permit.\nOne Class I account "
        "per customer; Class II accounts may send out CNY 10,000 a day; Class III accounts hold "
        "at most CNY 2,000.",
        "开户, 一类户, 二类户, open account",
        "",
        "",
    ),
    (
        ["account-open-close"],
        "销户流程与注意事项",
        "Closing an account",
        "销户须本人持身份证件到网点办理，销户前须结清贷款、解除代扣和第三方绑定；一类户销户当日利息随本金支付。",
        "Closing needs the customer in person with an ID; loans, direct debits and third-party "
        "links must be settled first; interest is paid with the balance on the day.",
        "销户前请确认：无未结清贷款或信用卡欠款；已解除工资代发、水电燃气代扣和第三方支付绑定；"
        "无司法冻结。\n销户后原卡号不可再使用，余额可取现或转入本人其他账户。",
        "Before closing check that no loan or card debt is outstanding, salary, utility and "
        "third-party payment links are removed, and no freeze applies.\nThe card number cannot "
        "be reused; the balance is paid in cash or to another own account.",
        "销户, close account",
        "",
        "",
    ),
    (
        ["account-info"],
        "修改预留手机号码",
        "Changing the registered mobile number",
        "本人持身份证件和银行卡到网点，或在手机银行通过人脸识别修改；修改后24小时内大额转账将受限。",
        "In person at a branch with the ID and card, or in the app with face recognition; large "
        "transfers are limited for 24 hours afterwards.",
        "预留手机号用于短信验证码和动账通知。修改渠道：网点柜台、智能柜员机、手机银行（人脸识别）。\n"
        "为防范诈骗，修改后24小时内单日转账限额降为5000元。不得为他人代为修改。",
        "The registered number receives one-time codes and transaction alerts. Change it at a "
        "counter, a smart teller machine or in the app (face check).\nTo prevent fraud, "
        "transfers are limited to CNY 5,000 a day for 24 hours after a change. Never change it "
        "on someone else's behalf.",
        "手机号, 换号, 预留手机, mobile number",
        "",
        "",
    ),
    (
        ["card-fraud"],
        "疑似盗刷的紧急处理",
        "Suspected card fraud: what to do now",
        "立即冻结卡片，指导客户就近在ATM做一笔查询以证明卡在身边，报警并提交争议交易申请。",
        "Block the card at once, ask the customer to make a balance enquiry at a nearby ATM to "
        "prove they hold the card, report to the police and file a dispute.",
        "1. 立即为客户办理临时挂失或冻结。\n2. 建议客户在最近的ATM或网点做一笔查询交易，证明卡在本人手中（"
        "伪卡盗刷的关键证据）。\n3. 客户向公安机关报案并取得回执。\n"
        "4. 受理争议交易申请，登记交易时间、金额、商户，承诺在7个工作日内反馈调查进度。",
        "1. Block or temporarily report the card.\n2. Ask the customer to make an enquiry at the "
        "nearest ATM or branch to prove they hold the card (key evidence of a cloned card).\n"
        "3. The customer reports to the police and keeps the receipt.\n4. Register a dispute with "
        "time, amount and merchant; promise news of the investigation within 7 working days.",
        "盗刷, 伪卡, 可疑交易, fraud, dispute",
        "",
        "",
    ),
    (
        ["card-retained"],
        "ATM吞卡后如何取回",
        "Card retained by an ATM",
        "本行ATM吞卡：次一工作日起凭身份证件到该ATM所属网点领取；他行ATM吞卡：到该行网点领取或挂失补卡。",
        "Our ATM: collect it from the branch that runs the machine from the next working day "
        "with an ID. Another bank's ATM: collect it there or report it lost and replace it.",
        "吞卡原因通常为密码错误超限、卡片磁条损坏或超时未取卡。\n本行设备吞卡后由网点在次一工作日清机，"
        "客户持本人身份证件领取，须核对卡号后4位。超过30天未领取的卡片将剪角销毁，需补办新卡。",
        "Cards are retained after too many wrong PINs, a damaged stripe or when not taken in "
        "time.\nOur branch empties the machine on the next working day; the customer shows an ID "
        "and the last four digits are checked. Cards not collected within 30 days are destroyed "
        "and must be replaced.",
        "吞卡, ATM, retained card",
        "",
        "",
    ),
    (
        ["card-limit"],
        "信用卡临时额度与固定额度调整",
        "Credit card limits: temporary and permanent increases",
        "临时额度可在手机银行申请，有效期最长90天；固定额度须用卡满6个月，按用卡和还款情况审批。",
        "Temporary increases are requested in the app and last up to 90 days; permanent ones "
        "need 6 months of use and depend on spending and repayments.",
        "临时额度：节假日、旅游、装修等用途可申请，最长90天，到期自动恢复，临时额度部分须在账单日全额还款。\n"
        "固定额度：开卡满6个月、无逾期记录可申请；审批需提供收入证明的，结果3个工作日内短信通知。",
        "Temporary: for holidays, travel or renovations, up to 90 days, then back to normal; the "
        "temporary part must be repaid in full with the statement.\nPermanent: after 6 months "
        "without arrears; if proof of income is needed the answer comes by SMS within 3 working "
        "days.",
        "提额, 临时额度, credit limit",
        "",
        "",
    ),
    (
        ["card-statement"],
        "信用卡账单争议与分期",
        "Credit card statement disputes and instalments",
        "对账单交易有异议可在还款日前提出，争议金额暂缓计息；账单分期期数3至24期，手续费按期收取。",
        "Disputes raised before the due date suspend interest on the disputed amount; statement "
        "instalments run 3 to 24 months with a monthly fee.",
        "争议处理：记录交易明细，发起调单，商户回复一般需要45天；争议期间该笔金额不计逾期。\n"
        "账单分期：每期手续费率0.6%（12期），提前结清已收取的手续费不退。分期前应向客户说明实际年化利率。",
        "Disputes: record the transaction and request the merchant's documents; merchants answer "
        "within about 45 days; the amount is not overdue meanwhile.\nInstalments: monthly fee "
        "0.6% (12 months); fees already charged are not refunded on early settlement. Tell the "
        "customer the effective annual rate before they agree.",
        "账单, 分期, 争议, statement, instalment, APR",
        "",
        "",
    ),
    (
        ["card-points"],
        "信用卡积分规则与有效期",
        "Credit card points and their expiry",
        "每消费1元累积1分，积分有效期3年；房产、汽车、批发类及取现交易不累积积分。",
        "One point per CNY 1 spent, valid for 3 years; property, car, wholesale and cash "
        "transactions earn no points.",
        "积分可在手机银行积分商城兑换礼品或抵扣年费。退货交易将扣回相应积分。\n"
        "积分到期前30天以短信提醒。",
        "Points buy gifts in the app's points mall or pay the annual fee. Refunds take the points "
        "back.\nAn SMS reminder is sent 30 days before points expire.",
        "积分, 兑换, points",
        "",
        "",
    ),
    (
        ["fees-annual"],
        "信用卡年费标准与减免条件",
        "Credit card annual fees and waivers",
        "普卡首年免年费，当年刷卡满6次免次年年费；金卡刷满12次免年费；白金卡年费不可减免。",
        "Classic cards: first year free, next year free after 6 purchases; gold: free after 12; "
        "platinum fees are not waived.",
        "普卡主卡年费100元，金卡200元，白金卡2000元。附属卡年费为主卡的一半。\n"
        "刷卡次数按自然年统计，单笔不低于10元。销卡时当年年费已收取的不退。",
        "Classic main card CNY 100 a year, gold CNY 200, platinum CNY 2,000; supplementary cards "
        "half.\nPurchases counted per calendar year, at least CNY 10 each. Fees already charged "
        "are not refunded on cancellation.",
        "年费, 免年费, annual fee",
        "2026-01-01",
        "2026-12-31",
    ),
    (
        ["fees-annual"],
        "信用卡年费标准（2025年版）",
        "Credit card annual fees (2025 edition)",
        "2025年普卡年费80元，刷卡满5次免次年年费。",
        "In 2025 classic cards cost CNY 80 a year, waived after 5 purchases.",
        "本标准已于2025年12月31日失效，2026年起执行新标准。",
        "Replaced on 1 January 2026 by the new schedule.",
        "年费, annual fee",
        "2025-01-01",
        "2025-12-31",
    ),
    (
        ["fees-service"],
        "个人客户服务收费一览（2026年）",
        "Personal banking fee schedule (2026)",
        "本行手机银行、网上银行转账免费；柜面跨行转账按金额收取2至50元；小额账户管理费和年费已全部免收。",
        "Transfers in the app and online are free; counter transfers to other banks cost CNY 2 to "
        "50 by amount; small-balance and account fees are waived.",
        "柜面跨行转账：1万元以下2元，1万至10万元5元，10万至50万元10元，50万至100万元15元，100万元以上按0.002%，最高50元。\n"
        "同城本行转账免费。打印历史流水：近1年免费，1年以上每页2元。\n"
        "按监管要求，借记卡年费、小额账户管理费、工本费（首次）均免收。",
        "Counter transfers to other banks: under CNY 10,000: 2; 10,000–100,000: 5; 100,000–500,000: "
        "10; 500,000–1,000,000: 15; above: 0.002%, at most 50.\nTransfers within our bank are "
        "free. Statements: last 12 months free, older CNY 2 per page.\nAs regulators require, "
        "debit card annual fees, small-balance fees and the first card fee are waived.",
        "手续费, 收费标准, 跨行, fees, charges",
        "2026-01-01",
        "2026-12-31",
    ),
    (
        ["fees-sms"],
        "动账短信通知服务与收费",
        "SMS transaction alerts and their fee",
        "动账短信每月2元，可设置起点金额；手机银行推送通知免费，可替代短信。",
        "SMS alerts cost CNY 2 a month with a threshold of the customer's choice; app "
        "notifications are free and can replace them.",
        "客户可在手机银行或柜台开通、关闭短信通知，关闭次月生效。\n"
        "对持有社保卡、低保卡的客户免收短信费。客户投诉短信费的，可核实后退还最近3个月费用。",
        "Alerts are switched on or off in the app or at a counter; stopping takes effect next "
        "month.\nFree for social security and welfare card holders. A customer who complains "
        "may be refunded the last 3 months after checking.",
        "短信费, 短信通知, SMS fee",
        "",
        "",
    ),
    (
        ["payment-transfer", "digital-app"],
        "手机银行转账限额",
        "Mobile banking transfer limits",
        "短信验证码：单笔5万元、日累计20万元；U盾或数字证书：单笔100万元、日累计500万元；可在柜台调整。",
        "One-time code: CNY 50,000 per transfer and 200,000 a day; USB key or digital "
        "certificate: 1,000,000 and 5,000,000; limits are changed at a counter.",
        "限额按认证方式区分，客户可在限额范围内自行调低。调高须本人持身份证件到网点办理并评估资金用途。\n"
        "新开通手机银行前3天单日限额5000元。向新收款人首次转账超过5万元时会触发电话核实。",
        "Limits depend on the authentication method; customers can lower them in the app. "
        "Raising needs a branch visit with an ID and a check of the purpose.\nThe first 3 days "
        "after registration are limited to CNY 5,000 a day. A first transfer above 50,000 to a "
        "new payee triggers a call-back.",
        "转账限额, 限额, 提高限额, transfer limit",
        "",
        "",
    ),
    (
        ["payment-transfer"],
        "转账汇错账户怎么办",
        "Money sent to the wrong account",
        "本行不能直接退回，须联系收款行协助联系收款人退还；收款人不同意的，客户可向法院起诉不当得利。",
        "The bank cannot reverse it; we ask the receiving bank to contact the payee; if they "
        "refuse, the customer can sue for unjust enrichment.",
        "1. 核实转账信息，填写《错账查询申请书》。\n2. 本行联系收款行，由收款行联系收款人，"
        "收款人同意后办理退汇。\n3. 跨行转账一般3至5个工作日回复。\n4. 银行不得向客户提供收款人信息。",
        "1. Check the details and fill in a misdirected-payment request.\n2. We contact the "
        "receiving bank, which contacts the payee; the money is returned if they agree.\n3. "
        "Other banks usually answer in 3–5 working days.\n4. Never give the payee's details to "
        "the customer.",
        "转错账, 汇错, 退汇, wrong account",
        "",
        "",
    ),
    (
        ["payment-crossborder"],
        "个人跨境汇款与年度便利化额度",
        "Personal cross-border remittances and the annual quota",
        "个人每年购汇便利化额度为等值5万美元，汇款须如实申报用途；留学、就医等可凭证明材料超额办理。",
        "Each person may buy the equivalent of USD 50,000 a year; the purpose must be declared "
        "truthfully; study or medical payments above it need documents.",
        "所需信息：收款人姓名、账号、收款行SWIFT代码、地址。手续费为汇款金额的0.1%，最低50元、最高260元，另加电讯费150元。\n"
        "禁止用于境外购房、证券投资、购买人寿保险等资本项目。分拆购汇将被列入关注名单。",
        "Needed: payee name, account, SWIFT code and address. Fee 0.1% of the amount, CNY 50 to "
        "260, plus CNY 150 cable charge.\nNot for buying property, securities or life insurance "
        "abroad. Splitting purchases to dodge the quota puts the customer on a watch list.",
        "外汇, 购汇, 汇款, SWIFT, remittance",
        "",
        "",
    ),
    (
        ["payment-mobile"],
        "快捷支付解绑与限额",
        "Quick-payment links: limits and unlinking",
        "第三方快捷支付默认单日限额5000元，客户可在手机银行“快捷支付管理”中调整或解绑。",
        "Third-party quick payments default to CNY 5,000 a day; customers change or remove them "
        "under Quick payments in the app.",
        "解绑后第三方平台将无法从该卡扣款。如客户发现未经授权的绑定，应立即解绑并按盗刷流程处理。",
        "Once unlinked, the platform can no longer debit the card. An unauthorised link is "
        "removed at once and handled as card fraud.",
        "快捷支付, 解绑, 支付宝, 微信支付, quick payment",
        "",
        "",
    ),
    (
        ["loan-prepayment", "loan-mortgage"],
        "个人住房贷款提前还款",
        "Mortgage prepayment",
        "贷款发放满12个月后可申请提前还款，须提前15个工作日预约；可选择缩短期限或减少月供，本行不收违约金。",
        "Prepayment is possible 12 months after drawdown with 15 working days' notice; shorten "
        "the term or lower the instalment; no penalty.",
        "部分提前还款单次不少于1万元，每年不超过2次。可通过手机银行或贷款经办网点预约。\n"
        "提前还款当日须保证还款账户余额充足；还款后新的还款计划次日可查。公积金组合贷的公积金部分须到公积金中心办理。",
        "Partial prepayments of at least CNY 10,000, at most twice a year; book in the app or at "
        "the lending branch.\nThe account must hold enough on the day; the new schedule shows "
        "the next day. The housing fund part of a combined loan is handled at the fund centre.",
        "提前还款, 房贷, 还贷, prepayment, mortgage",
        "",
        "",
    ),
    (
        ["loan-mortgage"],
        "存量房贷利率调整说明",
        "How existing mortgage rates are reset",
        "浮动利率房贷按合同约定的重定价日（通常每年1月1日）以最新5年期以上LPR加点调整。",
        "Floating-rate mortgages reset on the repricing date (usually 1 January) to the latest "
        "5-year LPR plus the contract spread.",
        "加点幅度在合同期内不变。客户可在手机银行查看当前执行利率和下一重定价日。\n"
        "客户申请将重定价周期改为3个月或6个月的，按合同变更流程办理。",
        "The spread is fixed for the term. Customers see the current rate and next reset date in "
        "the app.\nChanging the reset period to 3 or 6 months is a contract amendment.",
        "LPR, 利率, 重定价, mortgage rate",
        "",
        "",
    ),
    (
        ["loan-consumer"],
        "个人消费贷款申请条件",
        "Personal consumer loans: who can apply",
        "年满18至60周岁、收入稳定、征信良好的客户可申请，最高30万元，期限最长5年，不得用于购房和投资。",
        "Customers aged 18 to 60 with a stable income and good credit may borrow up to "
        "CNY 300,000 for up to 5 years; not for property or investments.",
        "贷款资金须受托支付或按用途使用，银行将抽查资金流向。年化利率以合同为准，须向客户展示年化利率（APR）。\n"
        "禁止以“零利息”“免审核”等字样宣传。",
        "Funds are paid to the seller or used as declared; the bank checks use. The annual rate "
        "is in the contract; always show the APR.\nNever advertise 'zero interest' or 'no "
        "checks'.",
        "消费贷, 贷款, consumer loan, APR",
        "",
        "",
    ),
    (
        ["loan-credit-report"],
        "征信异议申请流程",
        "Disputing a credit report entry",
        "客户可到任一网点或通过人民银行征信中心提出异议，银行在20日内核查并答复；确属错误的及时更正。",
        "Customers dispute an entry at any branch or with the PBOC credit reference centre; we "
        "check and answer within 20 days and correct real errors.",
        "受理时须核实客户本人身份，登记异议内容和证明材料。\n因疫情、自然灾害等特殊原因导致的逾期，"
        "按相关政策可申请调整记录。不得承诺“征信修复”，警惕以收费修复征信为名的诈骗。",
        "Check the customer's identity and record the dispute and evidence.\nArrears caused by "
        "disasters or similar may be adjusted under the applicable policy. Never promise "
        "'credit repair' and warn customers about paid 'repair' scams.",
        "征信, 异议, 逾期记录, credit report",
        "",
        "",
    ),
    (
        ["loan-collection"],
        "贷款催收行为规范",
        "How we collect overdue loans",
        "催收只在每日8点至21点进行，不得骚扰客户亲友，不得使用威胁、侮辱语言；客户投诉催收的须48小时内回复。",
        "Collection calls only between 08:00 and 21:00; never contact friends or family, never "
        "threaten or insult; complaints about collection are answered within 48 hours.",
        "外包催收机构同样适用本规范，所有催收通话录音保存不少于2年。\n"
        "客户提出困难的，应告知可申请延期还款或个性化分期的条件。",
        "Outsourced collectors follow the same rules; all calls are recorded and kept 2 years.\n"
        "A customer in difficulty is told how to apply for a deferral or a tailored "
        "instalment plan.",
        "催收, 逾期, collection",
        "",
        "",
    ),
    (
        ["wealth"],
        "理财产品风险等级与客户风险承受能力匹配",
        "Wealth product risk levels and the customer's risk tolerance",
        "产品风险等级分R1至R5，客户风险测评结果分C1至C5，只能购买不高于自身等级的产品；测评有效期1年。",
        "Products are rated R1–R5 and customers C1–C5 by the risk questionnaire; a customer may "
        "only buy products at or below their level; the assessment is valid for 1 year.",
        "R1谨慎型（现金管理类）、R2稳健型（固定收益类为主）、R3平衡型、R4进取型、R5激进型。\n"
        "65岁以上客户首次购买R3及以上产品须在网点双录（录音录像）。风险测评须客户本人完成，员工不得代填。",
        "R1 cautious (cash management), R2 conservative (mainly fixed income), R3 balanced, R4 "
        "growth, R5 aggressive.\nCustomers over 65 buying R3 or above for the first time are "
        "recorded on audio and video at a branch. The customer answers the questionnaire "
        "personally; staff never fill it in.",
        "风险等级, 风险测评, R1, R5, 双录, risk level",
        "",
        "",
    ),
    (
        ["wealth-loss"],
        "净值型理财产品出现亏损时如何解释",
        "Explaining a loss on a net-asset-value product",
        "净值型产品不保本不保收益，净值随市场波动；应向客户说明业绩比较基准不是承诺收益，并提供净值走势和持仓披露。",
        "NAV products guarantee neither capital nor returns; explain that the benchmark is not "
        "a promise and show the NAV history and holdings disclosures.",
        "安抚客户情绪，调取购买时的风险揭示书和双录记录。\n若客户认为存在销售误导，"
        "按“销售误导投诉处理”流程登记，不得私下承诺补偿。",
        "Calm the customer and retrieve the signed risk disclosure and the sales recording.\nIf "
        "the customer alleges mis-selling, register it under the mis-selling complaint process; "
        "never promise compensation privately.",
        "亏损, 净值, 破净, loss, NAV",
        "",
        "",
    ),
    (
        ["wealth-misselling"],
        "销售误导投诉处理",
        "Handling a mis-selling complaint",
        "登记投诉后调取双录、风险测评和合同，5个工作日内由非销售人员核查，15日内书面答复客户。",
        "Register the complaint, retrieve recordings, the assessment and contract; someone other "
        "than the seller reviews it within 5 working days; written answer within 15 days.",
        "核查要点：风险等级是否匹配；是否揭示风险；是否承诺收益；是否存在飞单。\n"
        "确认误导的，按规定承担赔偿责任并追究销售人员责任。",
        "Check: did the risk levels match, were risks disclosed, was a return promised, was an "
        "unauthorised product sold.\nConfirmed mis-selling is compensated as the rules require "
        "and the seller held to account.",
        "销售误导, 飞单, 承诺收益, mis-selling",
        "",
        "",
    ),
    (
        ["wealth-redemption"],
        "理财产品申购赎回到账时间",
        "When wealth product subscriptions and redemptions settle",
        "现金管理类T+1日到账（快赎单日限额1万元实时到账）；定开型产品仅在开放期赎回，到账时间以说明书为准。",
        "Cash management products pay out on T+1 (instant redemption up to CNY 10,000 a day); "
        "fixed-window products redeem only in their windows, timing per the prospectus.",
        "15:00后的申请视为下一工作日申请。节假日顺延。",
        "Requests after 15:00 count as next working day; holidays push settlement back.",
        "赎回, 到账, 申购, redemption",
        "",
        "",
    ),
    (
        ["wealth"],
        "大额存单起存金额与转让",
        "Large-denomination certificates of deposit",
        "个人大额存单起存金额20万元，可提前支取（按活期计息）或在手机银行转让。",
        "Personal CDs start at CNY 200,000; they can be withdrawn early (at the demand rate) or "
        "sold to others in the app.",
        "大额存单纳入存款保险保障范围。转让价格由客户自行设定，成交后资金T+0到账。",
        "CDs are covered by deposit insurance. The seller sets the price; proceeds arrive the "
        "same day.",
        "大额存单, 起存, CD, 存款保险",
        "",
        "",
    ),
    (
        ["wealth"],
        "存款保险保障范围",
        "What deposit insurance covers",
        "同一存款人在同一家银行的存款本息合计最高偿付50万元；理财产品、基金、保险不在保障范围内。",
        "Up to CNY 500,000 per depositor per bank, principal and interest together; wealth "
        "products, funds and insurance are not covered.",
        "保障对象包括个人和企业的人民币及外币存款。网点须在显著位置展示存款保险标识。",
        "Covers personal and corporate deposits in RMB and foreign currencies. Branches display "
        "the deposit insurance sign.",
        "存款保险, 50万, deposit insurance",
        "",
        "",
    ),
    (
        ["attitude"],
        "客户投诉处理政策",
        "Complaint handling policy",
        "首问负责：接到投诉的员工负责登记并跟进到底；一般投诉15日内办结，复杂投诉可延长至30日并告知客户。",
        "Whoever takes a complaint registers it and follows it through; ordinary complaints are "
        "closed within 15 days, complex ones within 30 with the customer told.",
        "1. 受理：登记客户诉求、渠道、联系方式，24小时内首次联系客户。\n2. 调查：调取凭证、录音录像。\n"
        "3. 处理：提出解决方案，客户认可后执行。\n4. 回访：办结后3个工作日内回访，记录满意度。\n"
        "5. 客户不满意的可申请复核，或向金融监管部门、调解组织反映。",
        "1. Register the request, channel and contact, and call the customer within 24 hours.\n"
        "2. Investigate: vouchers, recordings.\n3. Propose a solution and act once the customer "
        "agrees.\n4. Return visit within 3 working days of closing; record satisfaction.\n5. A "
        "dissatisfied customer may ask for a review or go to the regulator or a mediation body.",
        "投诉, 首问负责, 回访, complaint",
        "",
        "",
    ),
    (
        ["attitude-waiting"],
        "网点排队时间过长的安抚与处理",
        "Long queues at a branch",
        "主动致歉并引导客户使用智能柜员机或手机银行；排队超过30分钟应启动弹性窗口。",
        "Apologise, guide customers to smart tellers or the app, and open extra windows when the "
        "wait passes 30 minutes.",
        "大堂经理每15分钟巡视一次等候区，老年人、孕妇、残障人士优先办理。",
        "The floor manager walks the waiting area every 15 minutes; elderly, pregnant and "
        "disabled customers go first.",
        "排队, 等候, queue",
        "",
        "",
    ),
    (
        ["attitude-callcentre"],
        "客服热线转人工与回拨规则",
        "Hotline: reaching an agent and call-backs",
        "客户在语音菜单任意层级按0即可转人工；高峰期可登记回拨，承诺2小时内回电。",
        "Pressing 0 at any menu level reaches an agent; at peak times customers can book a "
        "call-back within 2 hours.",
        "65岁以上客户来电自动进入人工专线。通话全程录音，客户可申请调听本人通话录音。",
        "Callers over 65 go straight to agents. Calls are recorded; customers may ask to hear "
        "their own recordings.",
        "热线, 转人工, 回拨, hotline",
        "",
        "",
    ),
    (
        ["digital-app"],
        "手机银行登录密码重置",
        "Resetting the mobile banking password",
        "在登录页点击“忘记密码”，验证银行卡、预留手机号和人脸识别后即可重置；连续输错5次锁定24小时。",
        "Tap Forgot password on the login page; after the card, registered mobile and face "
        "checks the password is reset; 5 wrong attempts lock it for 24 hours.",
        "无法通过人脸识别的，须本人持身份证件到网点重置。员工不得询问客户密码。",
        "Customers who fail the face check reset it at a branch with an ID. Staff never ask for "
        "a password.",
        "忘记密码, 重置密码, 锁定, reset password",
        "",
        "",
    ),
    (
        ["digital-online"],
        "网上银行U盾更换与到期",
        "Replacing an expiring USB key",
        "U盾有效期5年，到期前30天提示更新证书，可在网银在线更新；U盾损坏须到网点更换，工本费免收。",
        "USB keys last 5 years; renewal is offered 30 days ahead and done online; a damaged key "
        "is replaced free at a branch.",
        "更换U盾后原有转账限额不变。企业网银U盾更换须法定代表人授权。",
        "Transfer limits stay as they were. A corporate key needs the legal representative's "
        "authorisation.",
        "U盾, 证书, USB key",
        "",
        "",
    ),
    (
        ["digital-app"],
        "防范电信网络诈骗提示话术",
        "Warning customers about telecom fraud",
        "凡是自称公检法要求转账到“安全账户”的都是诈骗；银行不会通过电话索要验证码。发现客户疑似被骗，立即暂停交易并报警。",
        "Anyone claiming to be police asking for a transfer to a 'safe account' is a fraudster; "
        "the bank never asks for codes by phone. Stop the transaction and call the police.",
        "常见类型：刷单返利、冒充客服退款、虚假投资理财、冒充公检法。\n"
        "大额转账时询问用途，客户紧张、通话中、按他人指示操作的，应耐心劝阻并上报。",
        "Common schemes: paid clicking, fake refunds, fake investments, fake police.\nAsk about "
        "the purpose of large transfers; a nervous customer, one on the phone or following "
        "instructions is gently stopped and the case reported.",
        "诈骗, 安全账户, 验证码, fraud, scam",
        "",
        "",
    ),
    (
        ["attitude-counter"],
        "春节期间网点营业安排（2026年）",
        "Branch opening over the 2026 Spring Festival",
        "2月15日至23日春节假期，各城市指定网点照常营业（9:00-16:00），其余网点暂停营业；自助设备24小时可用。",
        "From 15 to 23 February designated branches open 9:00–16:00; others close; self-service "
        "machines work around the clock.",
        "具体营业网点以手机银行“网点查询”为准。对公业务仅办理现金和结算业务。",
        "The branch finder in the app lists which branches open. Corporate counters only handle "
        "cash and settlement.",
        "春节, 营业时间, 节假日, opening hours",
        "2026-02-01",
        "2026-02-23",
    ),
    (
        ["fees-service"],
        "2027年起执行的跨境汇款新收费标准",
        "Cross-border remittance fees from 2027",
        "2027年1月1日起，手机银行跨境汇款电讯费降为80元。",
        "From 1 January 2027 the cable charge for app remittances falls to CNY 80.",
        "柜面汇款电讯费仍为150元。",
        "Counter remittances keep the CNY 150 cable charge.",
        "跨境汇款, 电讯费, remittance fee",
        "2027-01-01",
        "",
    ),
]
