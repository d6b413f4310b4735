from bankcrm.common.masking import mask


def test_default_masks_follow_the_policy_table():
    assert mask("id_number", "11010519491231002X") == "110105********002X"
    assert mask("mobile", "+8613800138000") == "138****8000"
    assert mask("card_number", "6222021234567890123") == "622202*********0123"
    assert mask("email", "sanfeng@example.cn") == "s***@example.cn"
    assert mask("name", "张三丰") == "张**"
    assert mask("mobile", "") == ""
